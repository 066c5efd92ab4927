import { en, type Resources } from './en.js';
export const ja: { ui: Resources['ui'] } = { ui: en.ui };
