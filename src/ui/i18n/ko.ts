import { en, type Resources } from './en.js';
export const ko: { ui: Resources['ui'] } = { ui: en.ui };
