export * from './parse-xml.js';
export * from './xml-prolog.js';
