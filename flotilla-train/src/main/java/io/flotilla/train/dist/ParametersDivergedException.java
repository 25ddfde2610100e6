package io.flotilla.train.dist;

import java.io.IOException;
import java.util.List;

/** After a synchronisation the workers' parameters hash differently: the run cannot go on safely. */
public final class ParametersDivergedException extends IOException {
    public ParametersDivergedException(long step, List<String> hashes) {
        super("after step " + step + " the workers' parameters differ; SHA-256 by rank: " + hashes);
    }
}
