extension InclinationFilter.Parameters {
  /// The estimator's tuning for a sensor strapped to the upper back during this exercise (the
  /// analyzer's choice; the defaults stay tuned for the BROAD benchmark's hand-held motions).
  ///
  /// Why it differs from the defaults:
  /// - `accTimeConstant` 1 s (default 3 s): the trunk moves slowly (a rise of 10–30° over 1–3 s
  ///   about a pivot at the pelvis, well under 1 m/s² of linear acceleration), so the
  ///   accelerometer may be trusted more. A shorter correction keeps the error that a drifting
  ///   gyroscope bias builds up small: bias × time constant, 0.2° instead of 0.6° for 0.2 °/s.
  /// - `biasTimeConstantRest` 30 s (default 3 s): a person on the elbows is never at rest.
  ///   Breathing turns the trunk by up to ±0.8° at 0.1–0.5 Hz (up to 2.5 °/s, as slow and smooth
  ///   as what the rest detector lets through), and a slow breath step turns it by 1–4° over
  ///   1–4 s. A 3 s average takes much of either for gyroscope bias and integrates it back as
  ///   drift afterwards; 30 s spans several breaths, so their turns average out. (The first
  ///   rest, lying still before the first rise, still gives the plain mean at once.)
  public static let trunkWorn = InclinationFilter.Parameters(
    accTimeConstant: 1.0, accTimeConstantRest: 1.0, biasTimeConstantRest: 30.0)
}
