// Spend against the budget over the last month: each day's spend as bars, the month's running
// total as a line, and the daily and monthly limits as flat lines (when set), drawn by uPlot.
import { dollars } from './dom.js';

const DAYS = 31;
const DAY_MS = 86_400_000;

const dayKey = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** Columns for uPlot: x (seconds), daily $, month-to-date $, daily limit $, monthly limit $. */
export function spendSeries(report, today = new Date()) {
  const byDay = new Map(report.byDay.map((r) => [r.key, r.costMicros]));
  const xs = [], daily = [], month = [], dayLimit = [], monthLimit = [];
  let running = 0;
  let monthOf = -1;
  for (let i = DAYS - 1; i >= 0; i--) {
    const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() - i);
    if (d.getMonth() !== monthOf) { monthOf = d.getMonth(); running = 0; }
    const spent = (byDay.get(dayKey(d)) ?? 0) / 1e6;
    running += spent;
    xs.push(d.getTime() / 1000);
    daily.push(spent);
    month.push(running);
    dayLimit.push(report.limits.dailyMicros === undefined ? null : report.limits.dailyMicros / 1e6);
    monthLimit.push(report.limits.monthlyMicros === undefined ? null : report.limits.monthlyMicros / 1e6);
  }
  return [xs, daily, month, dayLimit, monthLimit];
}

export function spendView(box, summary) {
  let plot;
  const money = (u, v) => (v === null || v === undefined ? '—' : `$${v.toFixed(v >= 1 ? 2 : 4)}`);
  const make = (data) => new globalThis.uPlot({
    width: Math.max(320, box.clientWidth - 10),
    height: 220,
    scales: { x: { time: true } },
    axes: [
      { stroke: '#7d8899', grid: { stroke: '#263040' } },
      { stroke: '#7d8899', grid: { stroke: '#263040' }, values: (u, vals) => vals.map((v) => `$${v}`) },
    ],
    series: [
      { value: (u, v) => (v ? new Date(v * 1000).toLocaleDateString() : '') },
      { label: 'that day', stroke: '#5fb3f9', fill: 'rgba(95,179,249,.35)', paths: globalThis.uPlot.paths.bars({ size: [0.6, 40] }), value: money },
      { label: 'this month', stroke: '#6cc644', width: 2, value: money },
      { label: 'daily limit', stroke: '#e5b84c', dash: [6, 4], value: money },
      { label: 'monthly limit', stroke: '#f07178', dash: [6, 4], value: money },
    ],
  }, data, box);
  addEventListener('resize', () => plot?.setSize({ width: Math.max(320, box.clientWidth - 10), height: 220 }));
  return {
    show({ report, budget }) {
      const l = budget.limits;
      summary.textContent =
        `Today: ${dollars(report.todayMicros)}${l.dailyMicros !== undefined ? ` / ${dollars(l.dailyMicros)}` : ''}` +
        ` · This month: ${dollars(report.monthMicros)}${l.monthlyMicros !== undefined ? ` / ${dollars(l.monthlyMicros)}` : ''}` +
        (budget.reservedMicros ? ` · held for running calls: ${dollars(budget.reservedMicros)}` : '') +
        (l.taskMicros !== undefined ? ` · per task: ${dollars(l.taskMicros)}` : '');
      const data = spendSeries(report);
      if (plot) plot.setData(data);
      else plot = make(data);
    },
  };
}
