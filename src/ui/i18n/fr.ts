import { en, type Resources } from './en.js';
export const fr: { ui: Resources['ui'] } = { ui: en.ui };
