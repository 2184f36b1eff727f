export * from './signing/index.js';
export * from './client.js';
