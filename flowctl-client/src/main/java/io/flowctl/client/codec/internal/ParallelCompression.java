package io.flowctl.client.codec.internal;

import io.flowctl.client.codec.CodecException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;

/**
 * Compresses the buffers of a record batch on several threads before Arrow's writer asks for them:
 * {@link #prepare} compresses them all (the calling thread works too), and the writer's calls to
 * {@link #compress}, in its own order, then take the results. Buffers not prepared (dictionary
 * batches) are compressed as they come. One instance per writer; not thread-safe itself.
 */
public final class ParallelCompression implements CompressionCodec {
  private final CompressionCodec codec;
  private final int threads;
  private final Executor executor;
  private final Map<ArrowBuf, ArrowBuf> ready = new IdentityHashMap<>();

  public ParallelCompression(CompressionCodec codec, int threads, Executor executor) {
    this.codec = codec;
    this.threads = threads;
    this.executor = executor;
  }

  /** Compresses every buffer of the root's vectors, ahead of the writer's unloading. */
  public void prepare(VectorSchemaRoot root) {
    release();
    List<ArrowBuf> in = new ArrayList<>();
    List<BufferAllocator> allocators = new ArrayList<>();
    Map<ArrowBuf, Boolean> seen = new IdentityHashMap<>();
    for (FieldVector v : root.getFieldVectors()) {
      collect(v, in, allocators, seen);
    }
    int n = in.size();
    AtomicReferenceArray<ArrowBuf> out = new AtomicReferenceArray<>(n);
    AtomicInteger next = new AtomicInteger();
    AtomicReferenceArray<RuntimeException> failure = new AtomicReferenceArray<>(1);
    Runnable work =
        () -> {
          for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
            ArrowBuf b = in.get(i);
            b.getReferenceManager().retain(); // the codec releases its input
            try {
              out.set(i, codec.compress(allocators.get(i), b));
            } catch (RuntimeException e) {
              failure.compareAndSet(0, null, e);
              next.set(n);
            }
          }
        };
    int helpers = Math.min(threads - 1, Math.max(0, n - 1));
    CountDownLatch done = new CountDownLatch(helpers);
    for (int h = 0; h < helpers; h++) {
      try {
        executor.execute(
            () -> {
              try {
                work.run();
              } finally {
                done.countDown();
              }
            });
      } catch (RejectedExecutionException e) {
        done.countDown(); // the calling thread does that share
      }
    }
    work.run();
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      awaitQuietly(done);
      failure.compareAndSet(0, null, new CodecException("interrupted while compressing"));
    }
    for (int i = 0; i < n; i++) {
      ArrowBuf c = out.get(i);
      if (c != null) {
        ready.put(in.get(i), c);
      }
    }
    if (failure.get(0) != null) {
      release();
      throw failure.get(0);
    }
  }

  private static void awaitQuietly(CountDownLatch done) {
    while (true) {
      try {
        done.await();
        return;
      } catch (InterruptedException again) {
        // the helpers hold buffers: wait for them, then report the interruption
      }
    }
  }

  private static void collect(
      FieldVector v,
      List<ArrowBuf> in,
      List<BufferAllocator> allocators,
      Map<ArrowBuf, Boolean> seen) {
    for (ArrowBuf b : v.getFieldBuffers()) {
      // empty buffers (often one shared instance) cost nothing: the writer's own call does them
      if (b.writerIndex() > 0 && seen.put(b, Boolean.TRUE) == null) {
        in.add(b);
        allocators.add(v.getAllocator());
      }
    }
    for (FieldVector child : v.getChildrenFromFields()) {
      collect(child, in, allocators, seen);
    }
  }

  /** Closes results the writer did not take (a failed or abandoned batch). */
  public void release() {
    for (ArrowBuf b : ready.values()) {
      b.close();
    }
    ready.clear();
  }

  @Override
  public ArrowBuf compress(BufferAllocator allocator, ArrowBuf uncompressed) {
    ArrowBuf done = ready.remove(uncompressed);
    if (done == null) {
      return codec.compress(allocator, uncompressed);
    }
    uncompressed.close(); // as a codec does with its input
    return done;
  }

  @Override
  public ArrowBuf decompress(BufferAllocator allocator, ArrowBuf compressed) {
    return codec.decompress(allocator, compressed);
  }

  @Override
  public CompressionUtil.CodecType getCodecType() {
    return codec.getCodecType();
  }
}
