import { en, type Resources } from './en.js';
export const es: { ui: Resources['ui'] } = { ui: en.ui };
