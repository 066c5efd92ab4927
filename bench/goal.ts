/** A target a figure is held to, and whether this run met it. */
export interface Goal {
  /** What is asked, with its unit: `"<= 1.5"`, `"< 1 ms"`, `">= 50000 events/s"`. */
  target: string;
  /** The measured figure, null when the measurement failed. */
  value: number | null;
  met: boolean;
}

export function atMost(value: number | null, limit: number, unit = ''): Goal {
  return { target: `<= ${limit}${unit ? ` ${unit}` : ''}`, value, met: value !== null && value <= limit };
}

export function below(value: number | null, limit: number, unit = ''): Goal {
  return { target: `< ${limit}${unit ? ` ${unit}` : ''}`, value, met: value !== null && value < limit };
}

export function atLeast(value: number | null, limit: number, unit = ''): Goal {
  return { target: `>= ${limit}${unit ? ` ${unit}` : ''}`, value, met: value !== null && value >= limit };
}
