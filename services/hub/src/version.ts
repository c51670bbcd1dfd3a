/** Product name and version the hub reports (xdomea SendendesSystem, XBau produkt, /v1/info). */
export const HUB_PRODUCT = { product: 'Weiche', version: '0.1.0' } as const;
