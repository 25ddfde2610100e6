package io.flotilla.train.model;

import static io.flotilla.train.model.MatmulTest.random;

import org.junit.jupiter.api.Test;

/** Every layer's backward against double-precision central differences of its forward. */
class LayerGradientTest {

    private static final float EPS = 1e-2f;
    private static final double TOL = 2e-3;

    @Test
    void matmul() {
        Rng rng = new Rng(1);
        int rows = 3, in = 5, out = 4;
        float[] x = random(rng, rows * in);
        float[] w = random(rng, out * in);
        float[] r = random(rng, rows * out);
        float[] y = new float[rows * out];
        GradCheck.Loss loss = () -> {
            MatmulScalar.forward(y, 0, x, 0, w, 0, in, out, 0, rows);
            return GradCheck.project(y, r, y.length);
        };
        float[] dx = new float[x.length];
        float[] dw = new float[w.length];
        Matmul.backwardInput(dx, 0, r, 0, w, 0, in, out, 0, rows);
        Matmul.backwardWeight(dw, 0, r, 0, x, 0, in, out, rows, 0, out);
        GradCheck.check("x", x, 0, dx, 0, x.length, EPS, TOL, loss);
        GradCheck.check("w", w, 0, dw, 0, w.length, EPS, TOL, loss);
    }

    @Test
    void rmsNorm() {
        Rng rng = new Rng(2);
        int rows = 3, dim = 6;
        float[] x = random(rng, rows * dim);
        float[] g = random(rng, dim);
        float[] r = random(rng, rows * dim);
        float[] y = new float[rows * dim];
        float[] inv = new float[rows];
        GradCheck.Loss loss = () -> {
            RmsNorm.forward(y, x, inv, g, 0, rows, dim, 1e-5f);
            return GradCheck.project(y, r, y.length);
        };
        loss.eval();
        float[] dx = new float[x.length];
        float[] dg = new float[g.length];
        RmsNorm.backward(dx, dg, 0, r, x, inv, g, rows, dim);
        GradCheck.check("x", x, 0, dx, 0, x.length, EPS, TOL, loss);
        GradCheck.check("g", g, 0, dg, 0, g.length, EPS, TOL, loss);
    }

    @Test
    void rope() {
        Rng rng = new Rng(3);
        int seq = 4, rows = 8, heads = 2, hd = 6;
        Rope rope = new Rope(seq, hd, 10000f);
        float[] x = random(rng, rows * heads * hd);
        float[] r = random(rng, x.length);
        GradCheck.Loss loss = () -> {
            float[] y = x.clone();
            rope.forward(y, rows, seq, heads);
            return GradCheck.project(y, r, y.length);
        };
        float[] dx = r.clone();
        rope.backward(dx, rows, seq, heads);
        GradCheck.check("x", x, 0, dx, 0, x.length, EPS, TOL, loss);
    }

    @Test
    void groupedQueryAttention() {
        Rng rng = new Rng(4);
        int batch = 2, seq = 4, heads = 4, kvHeads = 2, hd = 3;
        int rows = batch * seq;
        float[] q = random(rng, rows * heads * hd);
        float[] k = random(rng, rows * kvHeads * hd);
        float[] v = random(rng, rows * kvHeads * hd);
        float[] r = random(rng, q.length);
        float[] out = new float[q.length];
        float[] att = new float[batch * heads * seq * seq];
        GradCheck.Loss loss = () -> {
            Attention.forward(out, att, q, k, v, batch, seq, heads, kvHeads, hd);
            return GradCheck.project(out, r, out.length);
        };
        loss.eval();
        float[] dq = new float[q.length];
        float[] dk = new float[k.length];
        float[] dv = new float[v.length];
        Attention.backward(dq, dk, dv, r, att, q, k, v, new float[seq], batch, seq, heads, kvHeads, hd);
        GradCheck.check("q", q, 0, dq, 0, q.length, EPS, TOL, loss);
        GradCheck.check("k", k, 0, dk, 0, k.length, EPS, TOL, loss);
        GradCheck.check("v", v, 0, dv, 0, v.length, EPS, TOL, loss);
    }

    @Test
    void swiGlu() {
        Rng rng = new Rng(5);
        int n = 20;
        float[] g = random(rng, n);
        float[] u = random(rng, n);
        float[] r = random(rng, n);
        float[] h = new float[n];
        GradCheck.Loss loss = () -> {
            SwiGlu.forward(h, 0, g, u, 0, n);
            return GradCheck.project(h, r, n);
        };
        float[] dg = new float[n];
        float[] du = new float[n];
        SwiGlu.backward(dg, du, r, g, u, 0, 0, n);
        GradCheck.check("gate", g, 0, dg, 0, n, EPS, TOL, loss);
        GradCheck.check("up", u, 0, du, 0, n, EPS, TOL, loss);
    }

    @Test
    void crossEntropy() {
        Rng rng = new Rng(6);
        int rows = 3, vocab = 7;
        float[] logits = random(rng, rows * vocab);
        int[] targets = {0, 6, 3};
        GradCheck.Loss loss = () -> CrossEntropy.forward(logits.clone(), targets, rows, vocab);
        float[] d = logits.clone();
        CrossEntropy.forward(d, targets, rows, vocab);
        CrossEntropy.backward(d, targets, rows, vocab);
        GradCheck.check("logits", logits, 0, d, 0, logits.length, EPS, TOL, loss);
    }
}
