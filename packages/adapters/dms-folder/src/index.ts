export * from './dms-folder.js';
