import { unlessDuplicate } from './errors';

describe('unlessDuplicate', () => {
  it('says whether this call wrote: true when it did, false when a unique index refused it', async () => {
    expect(await unlessDuplicate(Promise.resolve({ acknowledged: true }))).toBe(true);
    expect(
      await unlessDuplicate(Promise.reject(Object.assign(new Error('E11000 duplicate key'), { code: 11000 }))),
    ).toBe(false);
  });

  it('lets every other failure through', async () => {
    const down = Object.assign(new Error('connection closed'), { code: 6 });
    await expect(unlessDuplicate(Promise.reject(down))).rejects.toBe(down);
  });
});
