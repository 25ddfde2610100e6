package io.flotilla.model;

/**
 * The working memory of one inference state: every buffer holds up to {@link #batch} tokens,
 * row-major (token t's vector starts at {@code t × width}). A state starts with buffers for one
 * token and replaces them by larger ones ({@link #atLeast}) when a pass needs more, so a state that
 * only decodes, or prefills short prompts, does not keep (and touch) buffers for 512 tokens. Layers read the
 * hidden state {@link #x} and leave their result in it. Fields are public for the architecture
 * classes in {@code io.flotilla.model.arch}; nothing else should touch them.
 */
public final class Activations {
    public final int batch;
    public final float[] x;        // [batch × dim] hidden state (residual stream)
    public final float[] xb;       // [batch × dim] normed input of a block
    public final float[] xb2;      // [batch × dim] output of a block, added back to x
    public final float[] q;        // [batch × heads × headDimK]
    public final float[] k;        // [batch × kvHeads × headDimK]
    public final float[] v;        // [batch × kvHeads × headDimV]
    public final float[] att;      // [batch × heads × headDimV] attention output before wo
    public final float[] hb;       // [batch × ffn] gate activations (largest FFN of the model)
    public final float[] hb2;      // [batch × ffn] up activations
    public final float[] router;   // [batch × experts] router logits, then probabilities
    public final int[] selected;   // [batch × expertsUsed] chosen experts per token
    public final float[] weights;  // [batch × expertsUsed] their routing weights
    public final int[] routed;     // [batch] tokens sent to the expert being computed
    public final float[] routedWeight; // [batch] their weights
    public final float[] gathered; // [batch × dim] those tokens' inputs
    public final float[] expertOut; // [batch × dim] an expert's (or the shared expert's) output
    public final float[] gate;     // [batch] shared-expert gate logits
    public final RopeTable rope;
    public final TokenLayout layout; // positions and KV slots of the tokens in the buffers
    final Attention.Work attention; // attention scratch, one set per compute thread
    private final ModelConfig config;
    private final int context;
    private final int threads;

    Activations(ModelConfig c, int batch, int context, int threads, RopeTable rope) {
        this.config = c;
        this.context = context;
        this.threads = threads;
        int ffn = Math.max(c.ffnDim(), c.isMoe() ? Math.max(c.expertFfnDim(), c.sharedExpertFfnDim()) : 0);
        int moe = c.isMoe() ? batch : 0;
        this.batch = batch;
        this.x = new float[batch * c.dim()];
        this.xb = new float[batch * c.dim()];
        this.xb2 = new float[batch * c.dim()];
        this.q = new float[batch * c.queryDim()];
        this.k = new float[batch * c.kvDimK()];
        this.v = new float[batch * c.kvDimV()];
        this.att = new float[batch * c.heads() * c.headDimV()];
        this.hb = new float[batch * ffn];
        this.hb2 = new float[batch * ffn];
        this.router = new float[moe * c.experts()];
        this.selected = new int[moe * c.expertsUsed()];
        this.weights = new float[moe * c.expertsUsed()];
        this.routed = new int[moe];
        this.routedWeight = new float[moe];
        this.gathered = new float[moe * c.dim()];
        this.expertOut = new float[moe * c.dim()];
        this.gate = new float[moe];
        this.rope = rope;
        this.layout = new TokenLayout(batch);
        this.attention = new Attention.Work(c, threads, context);
    }

    /**
     * These buffers if they hold {@code n} tokens; else new ones for {@code max(n, 2 × batch)} tokens,
     * at most {@code max} (the contents are not carried over: a pass fills them from its input).
     */
    Activations atLeast(int n, int max) {
        if (n <= batch) {
            return this;
        }
        if (n > max) {
            throw new IllegalArgumentException(n + " tokens in one pass exceed the state's " + max);
        }
        return new Activations(config, Math.min(max, Math.max(n, 2 * batch)), context, threads, rope);
    }
}
