package io.flowctl.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The settings the throughput benchmarks share (JMH applies a superclass's annotations): operations
 * per second, 3 × 2 s of warm-up and 5 × 2 s measured in one fork with Arrow's JVM flag and a 2 GiB
 * heap. A command line's {@code -wi}, {@code -i} and {@code -f} override them.
 *
 * <p>The heap is fixed and touched when the fork starts: with a growing heap, G1 sized some forks'
 * young generation so that each operation's arrays landed in memory never touched before, and on
 * this machine a page fault costs about 10 µs: those forks measured the IPC event 10-15x slower
 * than the others, at random (docs/benchmarks.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {BenchJvm.ADD_OPENS, BenchJvm.XMS, BenchJvm.XMX, BenchJvm.PRE_TOUCH})
public abstract class ThroughputBenchmark {}
