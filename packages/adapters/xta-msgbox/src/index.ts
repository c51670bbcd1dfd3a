export * from './xta-msgbox.js';
