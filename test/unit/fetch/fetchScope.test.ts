/**
 * FetchScope on its own: who waits for a fetch, and the moment nobody does. Checked here
 * because both sides of coalescing and the whole upstream path rely on it: an operation's
 * scope adds one abort listener to its signal however many fetches it joins, `cancel()` runs
 * every listener exactly once, a listener added once the scope has ended never runs, and
 * UNENDING_SCOPE neither ends nor keeps anything (it is shared by the whole process).
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { FetchScope, UNENDING_SCOPE } from '../../../src/fetch/fetchScope.js';

/** A listener that counts its runs. */
function counter() {
  const listener = () => void listener.runs++;
  listener.runs = 0;
  return listener;
}

describe('a scope bound to a signal (an operation)', () => {
  it('adds one abort listener to the signal at its first listen, however many listeners it gets', () => {
    const controller = new AbortController();
    const scope = new FetchScope(controller.signal);
    // Nothing is added to the signal until something listens: most scopes never need it.
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const listeners = [counter(), counter(), counter()];
    for (const listener of listeners) scope.listen(listener);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);

    expect(scope.cancelled).toBe(false);
    controller.abort();
    expect(scope.cancelled).toBe(true);
    expect(listeners.map((listener) => listener.runs)).toEqual([1, 1, 1]);
    // `once`: the signal lets go of the scope's listener when it fires.
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('is cancelled as soon as its signal is aborted, even before anything listened', () => {
    const controller = new AbortController();
    const scope = new FetchScope(controller.signal);
    controller.abort();
    expect(scope.cancelled).toBe(true);
  });

  it('cancel() ends it too, and a later abort of the signal runs nothing again', () => {
    const controller = new AbortController();
    const scope = new FetchScope(controller.signal);
    const listener = counter();
    scope.listen(listener);
    scope.cancel();
    expect(scope.cancelled).toBe(true);
    controller.abort();
    expect(listener.runs).toBe(1);
  });
});

describe('a scope of its own (a shared fetch)', () => {
  it('cancel() runs each listener once, however often it is called', () => {
    const scope = new FetchScope();
    const first = counter();
    const second = counter();
    scope.listen(first);
    scope.listen(second);
    // The same function twice is one listener.
    scope.listen(first);
    scope.cancel();
    scope.cancel();
    expect([first.runs, second.runs]).toEqual([1, 1]);
    expect(scope.cancelled).toBe(true);
  });

  it('has() tells a listener that is listening; unlisten() and the returned remover take it off', () => {
    const scope = new FetchScope();
    const kept = counter();
    const unlistened = counter();
    const removed = counter();
    expect(scope.has(kept)).toBe(false);
    scope.listen(kept);
    scope.listen(unlistened);
    const remove = scope.listen(removed);
    expect([scope.has(kept), scope.has(unlistened), scope.has(removed)]).toEqual([true, true, true]);

    scope.unlisten(unlistened);
    remove();
    // Removing twice, or removing what never listened, is harmless.
    remove();
    scope.unlisten(counter());
    expect([scope.has(kept), scope.has(unlistened), scope.has(removed)]).toEqual([true, false, false]);

    scope.cancel();
    expect([kept.runs, unlistened.runs, removed.runs]).toEqual([1, 0, 0]);
    // Cancelling lets go of every listener.
    expect(scope.has(kept)).toBe(false);
  });

  it('a listener added once it has ended never runs (callers check `cancelled` first)', () => {
    const scope = new FetchScope();
    scope.cancel();
    const late = counter();
    scope.listen(late);
    scope.cancel();
    expect(late.runs).toBe(0);

    const controller = new AbortController();
    const aborted = new FetchScope(controller.signal);
    controller.abort();
    const lateToo = counter();
    aborted.listen(lateToo);
    expect(lateToo.runs).toBe(0);
  });
});

describe('UNENDING_SCOPE', () => {
  it('never ends and keeps no listener, even when told to cancel', () => {
    const listener = counter();
    const remove = UNENDING_SCOPE.listen(listener);
    expect(UNENDING_SCOPE.has(listener)).toBe(false);
    // Shared by the whole process: cancelling it must change nothing (which is what is checked).
    UNENDING_SCOPE.cancel();
    expect(UNENDING_SCOPE.cancelled).toBe(false);
    expect(listener.runs).toBe(0);
    remove();
    expect(UNENDING_SCOPE.cancelled).toBe(false);
  });
});
