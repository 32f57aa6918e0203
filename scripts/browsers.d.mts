import type { Browser } from 'puppeteer-core';

export type EngineName = 'chromium' | 'firefox';
export const ENGINES: Record<EngineName, { name: string; path: string; install: string }>;
export function launchBrowser(engine: EngineName): Promise<Browser>;
