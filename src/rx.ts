// Under Node `rxjs` resolves to rxjs 7's whole CommonJS bundle: its ~300 modules load at start, ~1.0 MiB of heap
// more than the ~25 the gateway uses (measured with --expose-gc, heap after collection). The gateway takes what it
// uses from the `rxjs/internal/*` paths rxjs's package exports, here only; test/rx.test.ts checks each is the very
// object `rxjs` exports, so an rxjs upgrade that moves one fails there. Plugins may import `rxjs` itself: same classes.
export { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
export { firstValueFrom } from 'rxjs/internal/firstValueFrom';
export { Observable } from 'rxjs/internal/Observable';
export { concat } from 'rxjs/internal/observable/concat';
export { defer } from 'rxjs/internal/observable/defer';
export { EMPTY } from 'rxjs/internal/observable/empty';
export { from } from 'rxjs/internal/observable/from';
export { merge } from 'rxjs/internal/observable/merge';
export { throwError } from 'rxjs/internal/observable/throwError';
export { timer } from 'rxjs/internal/observable/timer';
export { distinctUntilChanged } from 'rxjs/internal/operators/distinctUntilChanged';
export { filter } from 'rxjs/internal/operators/filter';
export { ignoreElements } from 'rxjs/internal/operators/ignoreElements';
export { map } from 'rxjs/internal/operators/map';
export { mergeMap } from 'rxjs/internal/operators/mergeMap';
export { retry } from 'rxjs/internal/operators/retry';
export { takeUntil } from 'rxjs/internal/operators/takeUntil';
export { tap } from 'rxjs/internal/operators/tap';
export { timeout } from 'rxjs/internal/operators/timeout';
export { ReplaySubject } from 'rxjs/internal/ReplaySubject';
export { Subject } from 'rxjs/internal/Subject';
export { Subscription } from 'rxjs/internal/Subscription';
export type { MonoTypeOperatorFunction } from 'rxjs/internal/types';
export { EmptyError } from 'rxjs/internal/util/EmptyError';
