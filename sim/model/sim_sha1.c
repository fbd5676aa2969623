/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_sha1.c: SHA-1 as FIPS 180-4 specifies it (contract in sim_sha1.h): 512-bit blocks, 80 rounds, big-endian.
 */
#include "sim/model/sim_sha1.h"

#include <stdint.h>
#include <string.h>

static uint32_t sha1_rol(uint32_t x, int n) {
    return (x << n) | (x >> (32 - n));
}

/* One 64-byte block into the state 'h'. */
static void sha1_block(uint32_t h[5], const unsigned char *b) {
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)b[4 * t] << 24 | (uint32_t)b[4 * t + 1] << 16 | (uint32_t)b[4 * t + 2] << 8 | b[4 * t + 3];
    for (int t = 16; t < 80; t++)
        w[t] = sha1_rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20) {
            f = (bb & c) | (~bb & d);
            k = 0x5A827999u;
        } else if (t < 40) {
            f = bb ^ c ^ d;
            k = 0x6ED9EBA1u;
        } else if (t < 60) {
            f = (bb & c) | (bb & d) | (c & d);
            k = 0x8F1BBCDCu;
        } else {
            f = bb ^ c ^ d;
            k = 0xCA62C1D6u;
        }
        uint32_t tmp = sha1_rol(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = sha1_rol(bb, 30);
        bb = a;
        a = tmp;
    }
    h[0] += a;
    h[1] += bb;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void sim_sha1_hex(const void *p, size_t n, char hex[41]) {
    uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    const unsigned char *in = p;
    size_t done = 0;
    for (; n - done >= 64; done += 64)
        sha1_block(h, in + done);
    unsigned char last[128];
    size_t rest = n - done;
    memset(last, 0, sizeof(last));
    if (rest > 0) memcpy(last, in + done, rest);
    last[rest] = 0x80;
    size_t blocks = rest + 9 <= 64 ? 1 : 2;
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++)
        last[blocks * 64 - 1 - i] = (unsigned char)(bits >> (8 * i));
    for (size_t i = 0; i < blocks; i++)
        sha1_block(h, last + 64 * i);
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 20; i++) {
        unsigned char byte = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
        hex[2 * i] = digits[byte >> 4];
        hex[2 * i + 1] = digits[byte & 15];
    }
    hex[40] = '\0';
}

int sim_sha1_name(const char *p, size_t n, char sha[41]) {
    if (n != 40) return 0;
    for (size_t i = 0; i < 40; i++)
        sha[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
    sha[40] = '\0';
    return 1;
}
