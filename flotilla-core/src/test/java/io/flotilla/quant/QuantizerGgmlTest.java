package io.flotilla.quant;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bit-exact agreement with ggml: the SHA-256 digests below are of the bytes that ggml's
 * {@code quantize_row_*_ref} wrote for the same 4,096 inputs (and of the floats its
 * {@code dequantize_row_*} read back), computed once from ggml-quants.c (ggml commit d99724f,
 * built with -O2 -ffp-contract=off, i.e. plain IEEE float arithmetic without fused multiply-add).
 * Inputs come from a 64-bit LCG that is easy to reproduce in C: kind 0 uniform in [-1, 1), kind 1
 * a narrow bell with outliers, kind 2 all positive (min > 0 paths), kind 3 a zero block and a
 * constant block first.
 */
class QuantizerGgmlTest {
    static final int N = 4096;

    private static final Map<String, String> GGML_SHA256 = digests(
            "deq-q4_0-0", "04c5ebe983a325d236a8da1df54d9b37d099ff6aaeddfa630ce15dde36afadea",
            "deq-q4_0-1", "c0db180a65b2079c6187348fbb4719f7b9988ef84fc71fe8220f8ab5a814265a",
            "deq-q4_0-2", "1fe7811fa9d4199b2a1cd68e857c5fd3c3851a129a380658eaf7abb2d5b0f513",
            "deq-q4_0-3", "e95e3c0e990cc934d915d5ad4eb600080687b9162d0a4969996e5d590d0512a0",
            "deq-q4_1-0", "478c441838cd26746d573f4b8576b3c6def8e94ca7f162793c7f842d65ad45e9",
            "deq-q4_1-1", "6fec7d54665b442316c755b0364900772a748d0053ab299b7c82d36081d28553",
            "deq-q4_1-2", "c8365967855e281e3c7b27429de57992a10162efd7e264998c9975e775ff4a48",
            "deq-q4_1-3", "4089bb934348a81534259c4ff97fcdd2586b92d88d41f05123cda7a6c22b6134",
            "deq-q4_K-0", "b56493d3103975f612a9cf0c459ed2900a5284482b2a0a3c86fbb24357cd1c88",
            "deq-q4_K-1", "843edc27eb18842509e894927cfc5cb524f2ed9bd074f8bce2f86940fc91c8eb",
            "deq-q4_K-2", "b3f4da1d40cec222e940f9cc51cb8809ebe7e5072d111c58382fa6ed4b769ecf",
            "deq-q4_K-3", "64c19947e087bf4299192127883617c5f72d07c5af1ee09de8c7b7955e258108",
            "deq-q5_0-0", "8af6a297b747643e2946b707dc1d38441e0c79a1b2f0fdb19fa787605efa6e1c",
            "deq-q5_0-1", "d90784ce68d132a528975fd0b69e3d0c17aabdd2e7533cbb7fa432785611be77",
            "deq-q5_0-2", "ad665327148472d336b79449b7decb7e33577e0652459b2f1626dcc19ef0f18e",
            "deq-q5_0-3", "f06e6a0df4ffc435bcd7f79096244c7578a2f26faac740e981238b8eefb2b787",
            "deq-q5_1-0", "d252e876904d549c898ee0557277b9765592e948161891a651b4ceb642081da1",
            "deq-q5_1-1", "86143791a0848c6851a6b8e5dd7e50ad00daca68f4435f8dc95bc05b4ed6921b",
            "deq-q5_1-2", "c995727c227910bf48ef9a5c5da4bc162ba9e62c2efb707b8264789811166082",
            "deq-q5_1-3", "969a04aff120920f6f2bf33c4cf7db522229e2d1b92ffe6e3fad9d8fa3f9a6c3",
            "deq-q5_K-0", "637e71510e0ac00badaa552073e1ce66c08add2d33c113fadd7e1686c8603e38",
            "deq-q5_K-1", "164df6aa66bb12e8d5759ca37f2d1e40b03346f20a1199fefb0c6b3e5c089315",
            "deq-q5_K-2", "3e791ea9c76d0c8b30370ef28521679a378bf58f4f70b60d1ae930c9b46f909d",
            "deq-q5_K-3", "72b31f865ff5fc1fb30d92b440c4fb8922d14e27667b1c597f534ee902ce649c",
            "deq-q6_K-0", "9b71bbc84afccb5d4a3ee95ce27ffcbe7dfe9741f85cb3f5ac22508962467e0f",
            "deq-q6_K-1", "5070e851c386f421220638421429db583245e7577de69839b438b992d1da9389",
            "deq-q6_K-2", "954a730c5f0c385d6988c62bd4de59537119e3df59334d1e67c6ca3d6566dc62",
            "deq-q6_K-3", "195e1935317d32e8bbea195940be65bb8db2f8b41bd35557d22016ed319805ba",
            "deq-q8_0-0", "28f564a19f2b8730edb3d7c9c62d00997ccbade9d2d4242d5ce5bed9b68407a3",
            "deq-q8_0-1", "4c275ec4b2d29a703ec58a432ac8fc952abfb5046d12242ab6b5e9c88a1ea406",
            "deq-q8_0-2", "34acf06e2b7f579852b081bc7ff8f46dc1f235d4d16e078e8810c2a7a4707318",
            "deq-q8_0-3", "448da546ab020f949520db26ad1f2d6f66058df7f49e1726ea0a0b80ad4c7ca0",
            "q4_0-0", "59df55b75eedfef4b5afcd32c44a14468e2faae3205b774beee26f7a089757f4",
            "q4_0-1", "f28e7b1bf143f69fa92a6716c461f80ebe4742ce2c0d25bcd5a038a17d0e2f2c",
            "q4_0-2", "c8666d4dbe9bce90171251c6710fb0fc8cf19a26e700d9a1607bff0024ec101c",
            "q4_0-3", "5d2f94a32b456ffa6794b33953125f9ee8ddeba86aef55ad8dcd48818f8afc2c",
            "q4_1-0", "c0529025365a9e6120260f7e45587df11acb0ccfac8bab23b053257aa0f14dbb",
            "q4_1-1", "acacd8e2209d048c4c6b6ea1714fffa2acbecce261c4d121d36a3f7ae97ab4ef",
            "q4_1-2", "02f3309962cbc8ff566208a021996ba19ab43dee88613e64b63740303c86c0e0",
            "q4_1-3", "e50db21d88dd7257d13be14ac9e0590195df1d4e0ade3943fe735e61a7a0eb52",
            "q4_K-0", "3a3471a88cae83504194eac9fba546bdcd1d856bb2d80cb2910d1e7474735224",
            "q4_K-1", "fcce7eb586817d095d5d8eeeddf94ed3c6853fc5a8979055e3a96dfe71c305dc",
            "q4_K-2", "ad4f5a80ebc34040627341267af79547a72c2e20daeaaa37143c81cae9ca407c",
            "q4_K-3", "cb80496585be760cc27e724ac61fe51d34ed16e19d27726e415d65ca18ec0015",
            "q5_0-0", "0f3e244b0c5ad262f9c076d33b831208e8e47c3768cb3ed699beb67996b52a60",
            "q5_0-1", "72d7b6df9752d4edd54de947414bb4179b59c063d1ec23e1c2e645615812f761",
            "q5_0-2", "cc1783636c30fcbcb59e7b73c8d1eee4968d2790cce915b26437c763ba9647ac",
            "q5_0-3", "45db5e0eddc1ed959461255cc9779040c67bd8018307aada1c4490fcdb4f85da",
            "q5_1-0", "75e1c89820c599f178a58df571b7fe2f2ab790b728dbf7301f9750fcc1aa043c",
            "q5_1-1", "80c8a737d145fb212de568839f84f98182f657753503ec6ea0f1293285992d8d",
            "q5_1-2", "ec88aff6b61a3179eaa45d4132619d4631e569998468564cadb66aabb92bd7dc",
            "q5_1-3", "02053bb92f6cd184673b7631dd3672162311def7b89282301b44fe8abd8eaf6d",
            "q5_K-0", "22d73b92ada412d1cdbf5be3b43fff563a97a5c50081ecd0854ce53c5d328eaa",
            "q5_K-1", "59d786cfb70e3c695207350cd4dd9010670f82909d449216a5cab6a87bd61810",
            "q5_K-2", "4b4a60fdaadda3516076bb24be9e8f393718de8d9fe78983b07513242bb1472c",
            "q5_K-3", "120a1fadef8335300624973e97e530c2c1c4090e3132c83e64f68b306f9ef74c",
            "q6_K-0", "d083b7552fea8e7b112642b2ec9bf5ecbc73769aa5c42457ef0bb039de764c30",
            "q6_K-1", "a007a4a3f851feca3ca47075f8c66f598e92167fce35f6f3406abc3784daacba",
            "q6_K-2", "87e6c643ab0c6ebffd3ec5af9e417bb6c026063181874e2ba4609c8f0b811fe0",
            "q6_K-3", "85188bbe45f2758c83faba7552b522083ef0889010d99238dd4b98e4d92f855f",
            "q8_0-0", "0b40cc12136d378a08da589bc2851d0d2b3b9d87fb1b8e39ba4fd725a3d36001",
            "q8_0-1", "a5d6b36ad9c0109f77c079ecd036eb905923aded06856cd0237150a38ed6da2e",
            "q8_0-2", "1b545dbca1d292a8a4ce8da34f1e6d71a547d20e66027fe77a2010ec26ed4ec7",
            "q8_0-3", "860c1e58bd1d765c8b49edcea9b85ea2067a1ba7ab04b39c94eacdd312516df1",
            "x-0", "c918c2ade670dfe149fd5acf2f121158d7b8ce81f51fa564b1a0a4c7771b91a4",
            "x-1", "8c697c0995be9ce5e44a89c043cc8bf79dec66baccfe711ece1382a88abfc148",
            "x-2", "8faa1f11a047ad7da17bbaa86074609628836e5815665583716a352dc36837b8",
            "x-3", "bc9706c2d980865e12db52f58980d8a75d54474e55e72afcf66bb82d20b902bf"
    );

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void quantizeAndDequantizeMatchGgmlBitForBit(GgmlType type) {
        String name = type.name().toLowerCase(java.util.Locale.ROOT).replace("_k", "_K");
        for (int kind = 0; kind < 4; kind++) {
            float[] x = inputs(kind);
            assertThat(sha256(floatBytes(x))).as("inputs %d", kind).isEqualTo(GGML_SHA256.get("x-" + kind));
            byte[] q = Quantizer.quantize(type, x);
            assertThat(sha256(q)).as("%s bytes of inputs %d", type, kind).isEqualTo(GGML_SHA256.get(name + "-" + kind));
            float[] back = new float[N];
            WeightMatrix.of(type, MemorySegment.ofArray(q), 1, N).dequantizeRow(0, back, 0);
            assertThat(sha256(floatBytes(back))).as("%s dequantized, inputs %d", type, kind)
                    .isEqualTo(GGML_SHA256.get("deq-" + name + "-" + kind));
        }
    }

    /** The inputs the C side generated. */
    static float[] inputs(int kind) {
        long[] st = {1234567L + kind};
        float[] x = new float[N];
        for (int i = 0; i < N; i++) {
            x[i] = switch (kind) {
                case 0 -> uni(st) * 2.0f - 1.0f;
                case 1 -> {
                    float a = uni(st);
                    float b = uni(st);
                    float c = uni(st);
                    float d = uni(st);
                    float v = (a + b + c + d - 2.0f) * 0.02f;
                    yield i % 97 == 13 ? v * 10.0f : v;
                }
                case 2 -> uni(st) + 0.5f;
                default -> i < 256 ? 0.0f : i < 512 ? 0.25f : uni(st) * 2.0f - 1.0f;
            };
        }
        return x;
    }

    private static float uni(long[] st) {
        st[0] = st[0] * 6364136223846793005L + 1442695040888963407L;
        return (float) (int) (st[0] >>> 40) * (1.0f / 16777216.0f);
    }

    static byte[] floatBytes(float[] x) {
        ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x);
        return b.array();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> digests(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
