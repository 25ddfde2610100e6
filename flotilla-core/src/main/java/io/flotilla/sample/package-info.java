/**
 * Token sampling as llama.cpp's sampler chain: {@link io.flotilla.sample.SamplerChain#of}
 * builds penalties, top-k, top-p, min-p, temperature and a greedy or seeded random pick from
 * a {@link io.flotilla.sample.SamplerConfig}; each transform is one small
 * {@link io.flotilla.sample.SamplerStage} working in place on a reusable
 * {@link io.flotilla.sample.Candidates} buffer. One chain per sequence (not thread-safe).
 */
package io.flotilla.sample;
