/**
 * Where the bidding and clearing contexts get a vendor's current composite quality score
 * (0–100). The quality context implements this from its rankings; until then every vendor gets
 * the same neutral score, which leaves the value ranking equal to the price ranking.
 */
export interface QualityScores {
  /** Current composite score per vendor id; every requested id is present in the result. */
  scoresOf(vendorIds: readonly string[]): Promise<Map<string, number>>;
}

/** Score used for every vendor until quality data exists: the middle of the 0–100 scale. */
export const NEUTRAL_SCORE = 50;

export const neutralQualityScores: QualityScores = {
  async scoresOf(vendorIds) {
    return new Map(vendorIds.map((id) => [id, NEUTRAL_SCORE]));
  },
};
