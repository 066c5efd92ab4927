import { en, type Resources } from './en.js';
/** Chinese (simplified): every string. */
export const zh: Resources = en;
