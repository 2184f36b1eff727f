export * from './encoding.js';
export * from './hmac.js';
export * from './threatconnect.js';
export * from './websupport.js';
export * from './contrast.js';
