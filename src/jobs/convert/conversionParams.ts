/** What a conversion job was asked to do (the job's `params`). */
export type ConversionParams = {
  /** As given: the old appid or its gh_ original id. */
  fromAppid: string;
  oldAppid: string;
  toAppid: string;
  /** `from_appid` forms to try, in order. */
  fromCandidates: string[];
  dryRun: boolean;
  /** Every openid of the old account the ledger knows, not only its followers. */
  all: boolean;
  /** Queue a unionid backfill of the new account when done. */
  backfill: boolean;
  /** Openids given as a list (a file captured before the old account was frozen). */
  listed: number;
};

/** Where a conversion is. */
export type ConversionState = {
  openids: number;
  fromLedger: number;
  fromList: number;
  alreadyConverted: number;
  /** The `from_appid` form WeChat accepted. */
  fromParam: string | null;
  applied: number;
  converted: number;
  failed: number;
  reasons: Record<string, number>;
};
