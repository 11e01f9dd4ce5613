import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BusyState, BusyTracker, progressText } from '../src/busyTracker';

describe('BusyTracker', () => {
  it('is busy while any work runs and shows the latest message', () => {
    const tracker = new BusyTracker();
    const seen: BusyState[] = [];
    tracker.onChange((state) => seen.push(state));
    const starting = tracker.begin('Starting');
    const fixing = tracker.begin('Fixing');
    fixing.report('Fixing 3/10');
    assert.deepEqual(tracker.state, { busy: true, message: 'Fixing 3/10' });
    fixing.end();
    assert.deepEqual(tracker.state, { busy: true, message: 'Starting' });
    starting.end();
    assert.deepEqual(tracker.state, { busy: false, message: '' });
    assert.equal(seen.length, 5);
  });

  it('ignores a second end and reports after the end', () => {
    const tracker = new BusyTracker();
    const work = tracker.begin('one');
    work.end();
    work.end();
    work.report('late');
    assert.deepEqual(tracker.state, { busy: false, message: '' });
  });

  it('ends tracked work when it fails', async () => {
    const tracker = new BusyTracker();
    await assert.rejects(tracker.track('failing', async () => {
      assert.equal(tracker.state.busy, true);
      throw new Error('boom');
    }));
    assert.equal(tracker.state.busy, false);
  });
});

describe('progressText', () => {
  it('joins title, message and a rounded percentage', () => {
    assert.equal(progressText('Fixing', '3/10 files', 29.6), 'Fixing: 3/10 files (30%)');
    assert.equal(progressText('Fixing'), 'Fixing');
    assert.equal(progressText('Fixing', undefined, 0), 'Fixing (0%)');
  });
});
