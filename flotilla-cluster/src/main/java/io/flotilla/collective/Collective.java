package io.flotilla.collective;

import java.io.IOException;

/**
 * Operations every worker of a group calls in the same order with buffers of the same length.
 * Each either completes on every worker with the same result, or fails with a
 * {@link CollectiveException} (and the group is closed).
 */
public interface Collective extends AutoCloseable {

    /** This worker's rank in {@code [0, size)}. */
    int rank();

    /** Workers in the group. */
    int size();

    /** Replaces {@code data} with the element-wise sum over all workers (exact float32 on the wire). */
    default void allReduceSum(float[] data) throws IOException {
        allReduceSum(data, ChunkCodec.fp32());
    }

    /** Element-wise sum over all workers, every hop encoded with {@code codec}. */
    void allReduceSum(float[] data, ChunkCodec codec) throws IOException;

    /** Every worker's {@code mine}, indexed by rank. */
    byte[][] allGather(byte[] mine) throws IOException;

    /** Bytes sent so far by this worker. */
    CollectiveStats stats();

    @Override
    void close();
}
