export { xbauPassthrough, createXbauPassthrough, matchAttachments, XBAU_PASSTHROUGH_TARGET } from './xbau-passthrough.js';
export { XbauAntragXml } from '@weiche/xoev';
