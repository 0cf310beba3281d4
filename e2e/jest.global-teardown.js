import { loadHook } from './jest.global-hooks.js';

export default async function teardown() {
  await (
    await loadHook('global-teardown')
  )();
}
