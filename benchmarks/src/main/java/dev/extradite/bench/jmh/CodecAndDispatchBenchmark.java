package dev.extradite.bench.jmh;

import dev.extradite.bench.MicroTargets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH micro-benchmarks of the per-call CPU work: an envelope's encode and decode (JSON plus
 * frame), a reflective dispatch through the invoker, and the direct call it stands for.
 * Run with {@code benchmarks/jmh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecAndDispatchBenchmark {
    private final List<Integer> ints = new ArrayList<>();

    public CodecAndDispatchBenchmark() {
        for (int i = 0; i < 8192; i++) ints.add(i);
    }

    @Benchmark
    public Object envelopeWithOneInt() {
        return MicroTargets.requestRoundTrip(5);
    }

    @Benchmark
    public Object envelopeWithString() {
        return MicroTargets.requestRoundTrip("label-7");
    }

    @Benchmark
    public Object envelopeWith8192IntList() {
        return MicroTargets.requestRoundTrip(ints);
    }

    @Benchmark
    public Object dispatchThroughInvoker() {
        return MicroTargets.dispatch();
    }

    @Benchmark
    public Object directCall() {
        return MicroTargets.direct();
    }
}
