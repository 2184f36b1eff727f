/** The Principal is a core type (the core sees who calls); kept importable from here for the surfaces. */
export type { AuthScheme, Principal } from '../core/principal.js';
