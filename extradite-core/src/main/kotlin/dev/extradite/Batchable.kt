package dev.extradite

/**
 * Implemented by the child-side proxies of host objects (callbacks), so that target code can make
 * many calls in one round trip. Target code that may run under extradite checks for it:
 *
 * ```java
 * if (callback instanceof Batchable b) {
 *     List<Object> results = b.batch("invoke", List.of(List.of(1), List.of(2)));
 * } else { ... call it one by one ... }
 * ```
 */
public interface Batchable {
    /**
     * Calls [method] once per argument list of [calls], in order, in one round trip, and returns
     * the results in order. Blocks the calling thread. The first call that throws stops the
     * batch and its exception is thrown here (as [ExtraditeRemoteError]).
     */
    public fun batch(method: String, calls: List<List<Any?>>): List<Any?>
}
