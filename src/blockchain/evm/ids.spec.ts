import { bytes32ToUuid, hexToBytes32, uuidToBytes32 } from './ids';

describe('on-chain ids', () => {
  it('maps a UUID to bytes32 (left-padded) and back', () => {
    const id = '1c9d2a5e-7b8f-4c3d-9e0a-5f6b7c8d9e0f';
    expect(uuidToBytes32(id)).toBe('0x000000000000000000000000000000001c9d2a5e7b8f4c3d9e0a5f6b7c8d9e0f');
    expect(bytes32ToUuid(uuidToBytes32(id))).toBe(id);
    expect(uuidToBytes32(id.toUpperCase())).toBe(uuidToBytes32(id));
  });

  it('refuses what is not a UUID or 32 bytes', () => {
    expect(() => uuidToBytes32('withdrawal-1')).toThrow(/not a UUID/);
    expect(() => bytes32ToUuid('0x' + 'ff'.repeat(32))).toThrow(/not a UUID id/);
    expect(hexToBytes32('AB'.repeat(32))).toBe('0x' + 'ab'.repeat(32));
    expect(() => hexToBytes32('abc')).toThrow();
  });
});
