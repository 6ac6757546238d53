import { describe, expect, it } from 'vitest';
import { ImagePullError } from './errors/image-pull-error.js';
import { HollowRuntime, hollowExit } from './hollow-runtime.js';

describe('HollowRuntime', () => {
  it('reads the exit a command asks for', () => {
    expect(hollowExit({ command: ['sh', '-c', 'sleep 0.5; exit 3'] })).toEqual({
      code: 3,
      afterMs: 500,
    });
    expect(hollowExit({ command: ['/bin/true'] })).toEqual({ code: 0, afterMs: 0 });
    expect(hollowExit({ command: ['false'] })).toEqual({ code: 1, afterMs: 0 });
    expect(hollowExit({ command: ['sleep'], args: ['2'] })).toEqual({ code: 0, afterMs: 2000 });
    expect(hollowExit({ command: ['httpd', '-f'] })).toBeUndefined();
    expect(hollowExit({})).toBeUndefined();
  });

  it('shows a container as exited once its time is up', async () => {
    const rt = new HollowRuntime();
    const spec = { name: 'c', image: 'busybox', env: {}, ports: [] };
    const done = await rt.create({ ...spec, labels: { k: 'a' }, command: ['sh', '-c', 'exit 2'] });
    const forever = await rt.create({ ...spec, labels: { k: 'b' } });
    await rt.start(done);
    await rt.start(forever);
    expect(await rt.list({ k: 'a' })).toMatchObject([{ running: false, exitCode: 2 }]);
    expect(await rt.list({ k: 'b' })).toMatchObject([{ running: true }]);
  });

  it('has every image but hollow-missing ones, which fail to pull', async () => {
    const rt = new HollowRuntime();
    expect(await rt.hasImage('hollow-missing:1')).toBe(false);
    await expect(rt.pullImage('hollow-missing:1')).rejects.toBeInstanceOf(ImagePullError);
    await expect(rt.pullImage('hollow-missing')).rejects.toThrow(
      'failed to pull image "hollow-missing": repository hollow-missing not found',
    );
    expect(await rt.hasImage('hollow-missing-not:1')).toBe(true);
    expect(await rt.hasImage('busybox:1')).toBe(true);
    await expect(rt.pullImage('busybox:1')).resolves.toBeUndefined();
  });
});
