/** Types of ensure-chromium.mjs for the TypeScript tests that use it. */
export function findChromium(): string | undefined;
export function ensureChromium(): string | undefined;
