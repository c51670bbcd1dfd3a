// Moved to @weiche/xoev so every mapping shares one table; kept here for the package's public API.
export { extensionFor } from '@weiche/xoev';
