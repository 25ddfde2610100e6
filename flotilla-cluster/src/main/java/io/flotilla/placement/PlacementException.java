package io.flotilla.placement;

/** No placement exists: carries what the model needs and what the cluster has. */
public class PlacementException extends Exception {
    private final long neededBytes;
    private final long availableBytes;

    public PlacementException(String message, long neededBytes, long availableBytes) {
        super(message);
        this.neededBytes = neededBytes;
        this.availableBytes = availableBytes;
    }

    public long neededBytes() {
        return neededBytes;
    }

    public long availableBytes() {
        return availableBytes;
    }
}
