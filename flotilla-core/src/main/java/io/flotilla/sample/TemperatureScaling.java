package io.flotilla.sample;

/** Divides the logits by the temperature (must be > 0; a temperature of 0 is the greedy picker's job). */
public final class TemperatureScaling implements SamplerStage {
    private final float temperature;

    public TemperatureScaling(float temperature) {
        if (!(temperature > 0f)) {
            throw new IllegalArgumentException("temperature must be > 0 here (0 means greedy), got " + temperature);
        }
        this.temperature = temperature;
    }

    @Override
    public void apply(Candidates c, TokenHistory history) {
        if (temperature == 1f) {
            return;
        }
        c.scale(1f / temperature);
    }
}
