import { describe, expect, it } from 'vitest';
import { freePort, freeTcpUdpPort } from './free-port.js';

describe('freePort', () => {
  it('never hands out the same port twice in one process', async () => {
    // the kernel reuses a just-freed port often enough that 500 bare listen(0)s repeat one
    const ports: number[] = [];
    for (let i = 0; i < 500; i++) ports.push(await freePort());
    for (let i = 0; i < 20; i++) ports.push(await freeTcpUdpPort());
    expect(new Set(ports).size).toBe(ports.length);
  });
});
