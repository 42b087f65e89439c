export * from './client-id.js';
export * from './device-management.js';
export * from './ids.js';
export * from './limits.js';
export * from './notification.js';
export * from './topics.js';
