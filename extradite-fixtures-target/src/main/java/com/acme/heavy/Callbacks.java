package com.acme.heavy;

import com.acme.api.Greeter;
import dev.extradite.Batchable;
import dev.extradite.ExtraditeRemoteError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.IntUnaryOperator;
import kotlin.jvm.functions.Function1;

/** Targets that call back into the host. */
public class Callbacks {
    private Object held;

    public int applyTwice(IntUnaryOperator f, int x) { return f.applyAsInt(f.applyAsInt(x)); }
    /** f applied to x on a thread of its own, outside the caller's call chain. */
    public int applyOnThread(IntUnaryOperator f, int x) throws Exception {
        int[] result = new int[1];
        Thread thread = new Thread(() -> result[0] = f.applyAsInt(x));
        thread.start();
        thread.join();
        return result[0];
    }
    /** Functional objects inside containers: each applied to x, summed. */
    public int applyAll(List<IntUnaryOperator> fs, int x) { int s = 0; for (IntUnaryOperator f : fs) s += f.applyAsInt(x); return s; }
    public int applyNamed(Map<String, ? extends IntUnaryOperator> fs, String name, int x) { return fs.get(name).applyAsInt(x); }
    public int applyAllArrayList(ArrayList<IntUnaryOperator> fs, int x) { return applyAll(fs, x); }
    public int failWith(String message) { throw new IllegalStateException(message); }
    public int applyKotlin(Function1<Integer, Integer> f, int x) { return f.invoke(x); }
    public int callIntCallback(IntCallback callback, int x) { return callback.call(x); }
    public void run(Runnable r) { r.run(); }
    public Object echo(Object o) { return o; }
    /** A new object (it crosses as a handle) after [millis], even if the caller gave up and the wait is interrupted. */
    public Object slowHandle(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        for (long left = millis; left > 0; left = (end - System.nanoTime()) / 1_000_000) {
            try { Thread.sleep(left); } catch (InterruptedException e) { /* keep going: the reply must come */ }
        }
        return new Object();
    }
    public List<Object> echoList(List<Object> list) { return list; }
    public Map<String, Object> echoMap(Map<String, Object> map) { return map; }
    public void hold(Object o) { held = o; }
    public Object held() { return held; }
    public boolean isHeld(Object o) { return o == held; }
    public String greetAll(Greeter greeter, List<String> names) {
        StringBuilder out = new StringBuilder();
        for (String name : names) out.append(greeter.greet(name)).append(';');
        return out.toString();
    }
    /** Declared as ArrayList, not List: a long packed list of numbers must arrive as one. */
    public long sumArrayList(java.util.ArrayList<Integer> values) { values.add(0); long sum = 0; for (int v : values) sum += v; return sum; }
    public java.util.List<Integer> numbers(int n) { java.util.List<Integer> list = new java.util.ArrayList<>(); for (int i = 0; i < n; i++) list.add(i); return list; }
    public String typeOf(Object o) { return java.lang.reflect.Proxy.isProxyClass(o.getClass()) ? "proxy" : o.getClass().getName(); }
    public int sizeOf(List<?> list) { return list.size(); }
    public List<Integer> newList(int n) { List<Integer> l = new ArrayList<>(); for (int i = 0; i < n; i++) l.add(i); return l; }

    /** Re-entrancy: the callback calls syncInner on this same object while syncOuter holds its monitor. */
    public synchronized int syncOuter(IntSupplier callback) { return callback.getAsInt() + 1; }
    public synchronized int syncInner(int x) { return x * 2; }

    /** Recursion across the boundary: each level calls the host, which calls bounce again. */
    public int bounce(IntUnaryOperator host, int depth) { return depth == 0 ? 0 : host.applyAsInt(depth - 1) + 1; }

    /** The host callback's exception, as the target sees it. */
    public String describeFailure(Runnable r) {
        try {
            r.run();
            return "no failure";
        } catch (ExtraditeRemoteError e) {
            return e.getClass().getSimpleName() + "|" + e.getRemoteTypeName() + "|" + e.getRemoteMessage();
        }
    }

    public boolean isBatchable(Object callback) { return callback instanceof Batchable; }

    /** Sums callback(i) for i in 0 until n, in batches of 64 when the callback supports batching. */
    public long accumulate(IntUnaryOperator callback, int n) {
        long sum = 0;
        if (callback instanceof Batchable) {
            Batchable batchable = (Batchable) callback;
            for (int start = 0; start < n; start += 64) {
                List<List<Object>> calls = new ArrayList<>();
                for (int i = start; i < Math.min(n, start + 64); i++) calls.add(List.of(i));
                for (Object r : batchable.batch("applyAsInt", calls)) sum += ((Number) r).longValue();
            }
        } else {
            for (int i = 0; i < n; i++) sum += callback.applyAsInt(i);
        }
        return sum;
    }

    /** A batch of ten calls whose failure stops it; returns the failure's remote message. */
    public String batchUntilFailure(IntUnaryOperator callback) {
        List<List<Object>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) calls.add(List.of(i));
        try {
            ((Batchable) callback).batch("applyAsInt", calls);
            return "completed";
        } catch (ExtraditeRemoteError e) {
            return e.getRemoteMessage();
        }
    }

    public static void gc() { System.gc(); }
}
