/**
 * The standard normal distribution in double precision: density, distribution function
 * and their logarithms, the scaled complementary error function, and the log of the
 * expected-improvement core h(z) = φ(z) + zΦ(z) computed stably far into the tail.
 * Rational approximations follow the Cephes erf/erfc coefficient tables.
 */

const SQRT_HALF = Math.SQRT1_2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);
/** Beyond this |z| the tail of h(z) is its asymptotic expansion to double precision. */
const ASYMPTOTIC_TAIL = 1 / Math.sqrt(Number.EPSILON);

// erf(x) = x T(x²) / U(x²) on |x| < 1 (U has an implicit leading 1).
const ERF_T = [9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3, 7.00332514112805075473e3, 5.55923013010394962768e4];
const ERF_U = [3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3, 2.26290000613890934246e4, 4.92673942608635921086e4];
// erfc(x) = exp(-x²) P(x) / Q(x) on 1 ≤ x < 8.
const ERFC_P = [
  2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0, 4.86371970985681366614e1, 1.96520832956077098242e2,
  5.26445194995477358631e2, 9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2,
];
const ERFC_Q = [
  1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2, 9.75708501743205489753e2, 1.82390916687909736289e3,
  2.24633760818710981792e3, 1.65666309194161350182e3, 5.57535340817727675546e2,
];
// erfc(x) = exp(-x²) R(x) / S(x) on x ≥ 8.
const ERFC_R = [5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0, 6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0];
const ERFC_S = [2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1, 1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0];

/** Polynomial with coefficients from the highest degree down. */
function polynomial(x: number, coefficients: readonly number[]): number {
  let value = 0;
  for (const c of coefficients) value = value * x + c;
  return value;
}

/** Polynomial with an implicit leading coefficient of 1, then `coefficients`. */
function monicPolynomial(x: number, coefficients: readonly number[]): number {
  let value = 1;
  for (const c of coefficients) value = value * x + c;
  return value;
}

/** The error function. */
export function erf(x: number): number {
  if (Math.abs(x) >= 1) return 1 - erfc(x);
  const z = x * x;
  return (x * polynomial(z, ERF_T)) / monicPolynomial(z, ERF_U);
}

/** The scaled complementary error function exp(x²)·erfc(x), finite for all x ≥ 0. */
export function erfcx(x: number): number {
  if (x < 0) return 2 * Math.exp(x * x) - erfcx(-x);
  if (x < 1) return Math.exp(x * x) * (1 - erf(x));
  if (x < 8) return polynomial(x, ERFC_P) / monicPolynomial(x, ERFC_Q);
  return polynomial(x, ERFC_R) / monicPolynomial(x, ERFC_S);
}

/** The complementary error function 1 - erf(x), accurate in the upper tail. */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 1) return 1 - erf(x);
  if (x > 27) return 0;
  return Math.exp(-x * x) * erfcx(x);
}

/** Standard normal density φ(z). */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/** log φ(z). */
export function logNormalPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** Standard normal distribution function Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * SQRT_HALF);
}

/** log Φ(z), finite for any finite z. */
export function logNormalCdf(z: number): number {
  if (z < -1) return Math.log(0.5 * erfcx(-z * SQRT_HALF)) - 0.5 * z * z;
  if (z > 0) return Math.log1p(-0.5 * erfc(z * SQRT_HALF));
  return Math.log(normalCdf(z));
}

/** log(1 - exp(x)) for x < 0, accurate on both sides of -ln 2. */
export function log1mexp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/**
 * log h(z) with h(z) = φ(z) + zΦ(z), the expected improvement of a standard normal over
 * -z. Stable for any finite z: direct for z > -1, through erfcx below, and by its
 * asymptotic expansion -z²/2 - log√(2π) - 2 log|z| deep in the tail.
 */
export function logEiCore(z: number): number {
  if (z > -1) return Math.log(normalPdf(z) + z * normalCdf(z));
  if (z < -ASYMPTOTIC_TAIL) return -0.5 * z * z - LOG_SQRT_2PI - 2 * Math.log(-z);
  const a = -z;
  return -0.5 * z * z - LOG_SQRT_2PI + log1mexp(Math.log(erfcx(a * SQRT_HALF) * a) + Math.log(SQRT_HALF_PI));
}

/** d/dz log h(z) = Φ(z) / h(z), computed in log space. */
export function logEiCoreDerivative(z: number): number {
  return Math.exp(logNormalCdf(z) - logEiCore(z));
}

/**
 * log of the expected improvement of N(mean, std²) below `best` (minimization):
 * log E[max(best - f, 0)]. `std` must be positive.
 */
export function logExpectedImprovement(mean: number, std: number, best: number): number {
  return Math.log(std) + logEiCore((best - mean) / std);
}
