export { xbauToXdomea, createXbauToXdomea, XBAU_TO_XDOMEA_TARGET } from './xbau-to-xdomea.js';
