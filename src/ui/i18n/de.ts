import { en, type Resources } from './en.js';
export const de: { ui: Resources['ui'] } = { ui: en.ui };
