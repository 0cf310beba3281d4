import { loadHook } from './jest.global-hooks.js';

export default async function setup() {
  await (
    await loadHook('global-setup')
  )();
}
