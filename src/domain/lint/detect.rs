//! The built-in detectors: explicit ETA, presumed cause, blame (doctrine section 6).
//!
//! They work sentence by sentence on the prepared ASCII text (see `text.rs`) with small byte
//! regexes (no Unicode tables, so they compile in a few milliseconds), plus word logic in code:
//! - ETA: a time expression (clock time, date or day word, duration) that comes after an
//!   expectation word (expect, anticipate, estimate, ETA, hope, aim, target) in a sentence that
//!   speaks of recovery, a fix or completion, or after a weak future word (will, should) with a
//!   recovery/completion word between them. A time that belongs to an update promise ("another
//!   update in 30 minutes"), that is past ("since 14:20", "between 13:52 and 14:47",
//!   "the last 24 hours") or that measures a delay ("delayed by 1 hour") is not an ETA, and
//!   neither is "no ETA".
//! - Cause: a causal link (caused by, due to, as a result of, led to, resulted in, traced to, root
//!   cause is, ...) joined to a named cause. The cause is "named" when it has a content word that
//!   is neither generic ("the issue", "this incident", "errors") nor an observed condition (high
//!   load, traffic) nor the remedy ("the deployment of the fix", "scheduled maintenance"). For
//!   links whose cause comes first ("X caused Y") the cause must contain a defect word (change,
//!   deploy, bug, migration, router, provider, ...), so "an issue causing errors" is not flagged.
//! - Blame: a third party (a name from `assets/lint/third-parties.txt`, or a role: provider,
//!   vendor, partner, carrier, ISP, upstream, third party) that has the problem ("AWS is
//!   experiencing an outage", "an outage at our cloud provider", "the GCP incident"), that fixes
//!   or reports it ("our provider has identified the issue", "resolved by Microsoft"), or that is
//!   the cause ("due to an upstream networking issue"). Working with a provider is not blame.

use std::ops::Range;

use regex::bytes::{Regex, RegexBuilder};

use super::text::Prepared;

/// Which built-in rule a hit belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Eta,
    Cause,
    Blame,
}

/// One finding, as a range of the prepared text.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub kind: Kind,
    pub span: Range<usize>,
    /// For ETA: the promised time, reused in the suggested rewrite. For blame: the third party.
    /// A range of the prepared text.
    pub detail: Option<Range<usize>>,
}

// ---------------------------------------------------------------------------------------------
// Pattern sources. Plain ASCII: the text is folded to lower-case ASCII before matching.

const NUMW: &str = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty(?:[- ]five)?|fifty|sixty|ninety|a\s+few|a\s+couple(?:\s+of)?|couple\s+of|few|several|many)";
const NUM: &str = r"(?:[~<>]\s*)?\d+(?:[.,]\d+)?\+?";
const UNIT: &str =
    r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?|business\s+days?)\b";
const UNIT_SHORT: &str = r"(?:m|h|hr|d)\b";
const MONTH: &str = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?";

fn time_pattern() -> String {
    let approx = r"(?:(?:about|around|approximately|approx\.?|roughly|under|less\s+than|up\s+to|at\s+least|at\s+most|another|a\s+maximum\s+of|maximum\s+of|max\.?|over|an\s+additional|additional)\s+)?";
    let dur = format!(
        r"(?:{approx}(?:(?:the\s+)?(?:next|coming)\s+(?:(?:{NUM}|{NUMW})\s*(?:(?:-|to)\s*(?:{NUM}|{NUMW})\s*)?)?{UNIT}|{NUM}\s*(?:(?:-|to|or)\s*{NUM}\s*)?(?:{UNIT}|{UNIT_SHORT})|{NUMW}\s+(?:(?:-|to|or)\s+{NUMW}\s+)?(?:more\s+)?{UNIT}|an?\s+(?:few\s+|couple\s+(?:of\s+)?)?(?:hours?|minutes?|days?|weeks?)\b|half\s+an\s+hour|the\s+(?:hour|half[- ]hour)\b))"
    );
    let clock = r"(?:\d{1,2}(?::[0-5]\d)?\s*(?:am|pm|a\.m\.?|p\.m\.?)|(?:[01]?\d|2[0-3])[:h][0-5]\d(?:\s*(?:am|pm))?|(?:[01]\d|2[0-3])[0-5]\d\s*(?:utc|gmt|z)\b|noon|midnight)(?:\s*(?:utc|gmt|z|[a-z]{1,3}[sd]?t)\b)?";
    let date = format!(
        r"(?:(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|today|tonight|tomorrow)\b(?:\s*,?\s*{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?)?|(?:this|the|over\s+the|through\s+the|during\s+the)\s+(?:weekend|morning|afternoon|evening|week)\b|weekend\b|eod\b|cob\b|close\s+of\s+business|(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:business\s+)?(?:day|week|month|today|shift)\b|(?:early|late|mid|end\s+of)[- ]?{MONTH}\b|{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}\b|next\s+(?:week|month)\b|later\s+(?:today|this\s+week|in\s+the\s+day))"
    );
    let iso = r"(?:\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:[ t]+(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*(?:utc|gmt|z)\b)?)?)";
    let one = format!(r"(?:{iso}|{date}|{clock}|{dur})");
    format!(r"\b{one}(?:\s*,?\s*(?:-|to|and|until|through|till|or)\s*{one})?")
}

const STRONG: &str = r"\b(?:expect\w*|anticipat\w*|estimat\w*|eta|etr|hop(?:e|es|ing)\s+to|aim\w*\s+to|target(?:ed|ing)?\s+(?:for|of|is|date|time|completion|resolution|recovery|a\s+fix|to)|projected|on\s+track|plan(?:s|ned|ning)?\s+to|scheduled\s+for)\b";
const WEAK: &str = r"(?:\b(?:will|should|shall|would|may\s+take|might\s+take|could\s+take|can\s+take|going\s+to|to\s+be\s+(?:completed|finished|done|resolved|restored))\b|'ll\b)";
const DONE: &str = r"\b(?:fix\w*|resolv\w*|resolution|restor\w*|recover\w*|mitigat\w*|repair\w*|complet\w*|finish\w*|done|back\s+(?:to\s+normal|up|online|in\s+service)|normal\w*|available|operational|resum\w*|return\w*|roll(?:ed|ing)?\s+out|rollout|deploy\w*|releas\w*|process\w*|catch\s+up|caught\s+up|clear\w*|issued|backfill\w*|duration|progress\w*|take\s+effect|work(?:ing)?\s+again|able\s+to|up\s+and\s+running|improv\w*|take|takes|taking|live|in\s+place|reconcil\w*|stabili\w*|correct\w*|reflected|accurate|up\s+to\s+date|visible|in\s+sync)\b";
const UPDATE: &str = r"\b(?:updates?|updated|updating|post(?:s|ed|ing)?|report\w*|statement|information|info|details|news|communicat\w*|notif\w*|inform\w*|provide|share|publish\w*|check[- ]in|revert\s+back|let\s+you\s+know|hear|rca|post-?mortem|review|summary)\b";
/// An update promise whose object is itself a time ("provide a date for when the fix ...").
const UPDATE_ABOUT_TIME: &str = r"\b(?:provide|share|give|communicate|post|publish)\s+(?:you\s+)?(?:an?\s+|the\s+)?(?:new\s+|updated\s+|firm\s+)?(?:date|timeline|timeframe|estimate|eta)\b";
const NO_ETA: &str = r"\b(?:no|not|n't|without|unable\s+to|cannot)\b(?:\s+[\w'-]+){0,4}?\s+(?:eta|etr|estimated?|timeline|timeframe)\b";
const MONITOR: &str = r"\b(?:monitor\w*|observ\w*|watch\w*)\b";
/// Right before a time: the time is past, or measures a delay.
const NOT_A_PROMISE_BEFORE: &str = r"(?:\b(?:since|from|between|as\s+of|starting(?:\s+(?:at|from|on))?|beginning(?:\s+(?:at|on))?|began(?:\s+at)?|started(?:\s+at)?|begun\s+at|occurred\s+at|earlier|last|past|previous|prior\s+to|delay(?:s|ed)?(?:\s+(?:of|by))?|lag(?:ging)?(?:\s+(?:of|by))?|behind\s+by|took|spent|lasted|for\s+the\s+(?:past|last)|monitor(?:ing|ed)?\s+(?:\w+\s+){0,3}?(?:for|over)|until\s+about)\s+(?:approximately\s+|around\s+|about\s+|roughly\s+|~\s*)?)$";
const AGO_AFTER: &str = r"^\s*(?:ago|earlier|prior)\b";
/// A time at the start of a sentence: "Within 2 hours, service should be restored".
const LEADING_TIME: &str =
    r"^(?:in|within|over|by|in\s+the\s+next|over\s+the\s+next|within\s+the\s+next)\s+$";

/// Right before a time: a bare participle of recovery ("fixed in", "back up by").
const PARTICIPLE_BEFORE: &str = r"\b(?:fix(?:ed)?|resolved|restored|recovered|repaired|mitigated|back\s+(?:up|online|to\s+normal)|done|completed?|operational|up\s+and\s+running)\s+(?:(?:with)?in|by|before|no\s+later\s+than)\s+(?:approximately\s+|around\s+|about\s+|roughly\s+|~\s*)?$";
/// A promise whose time is still to be typed: "The issue should be resolved by".
const DANGLING_PROMISE: &str = r"\b(?:should|will|expect\w*\s+to|hop(?:e|ing)\s+to)\s+(?:[\w'-]+\s+){0,2}?(?:be\s+)?(?:resolved|fixed|restored|back\s+(?:up|online|to\s+normal)|recovered|completed?|done|operational)\s+(?:by|within|before|in)\s*[.!]?$";
/// Auxiliaries that make a participle past: "was fixed in 20 minutes".
const PAST_AUX: &[&str] = &[
    "was", "were", "been", "got", "is", "are", "be", "has", "have", "had",
];

// Cause.
const CAUSE_POST: &str = r"\b(?:caused\s+by|(?:was|were|is|are|be|been)\s+(?:likely\s+|probably\s+|possibly\s+|also\s+)?(?:a\s+|the\s+)?(?:direct\s+)?result\s+of|as\s+a\s+(?:direct\s+)?result\s+of|due\s+to|because\s+of|result(?:ed|s|ing)?\s+from|stem(?:s|med|ming)?\s+from|originat(?:ed|es|ing)\s+(?:from|in|with|at)|(?:traced|tracked)\s+(?:[\w'-]+\s+){0,6}?(?:back\s+|down\s+)?to|attribut(?:ed|able)\s+to|triggered\s+by|owing\s+to|introduced\s+by|root[- ]?caused\s+to|identified\s+(?:this|the)\s+(?:issue|problem|incident|outage|cause)\s+(?:as|to)(?:\s+be)?|(?:root[- ]?)?cause\s+(?:of\s+(?:[\w'-]+\s+){0,6}?)?(?:is|was|to\s+be|as|appears\s+to\s+(?:be|have\s+been)|seems\s+to\s+(?:be|have\s+been)|has\s+been\s+(?:identified|determined|confirmed)\s+as)|(?:appears|appeared|seems|seemed|is\s+believed|is\s+thought|is\s+likely|is\s+suspected)\s+(?:to\s+(?:be|have\s+been)\s+)?(?:related|linked|tied|connected|due)\s+to|(?:is|are|was|were|be|been)\s+(?:likely\s+|possibly\s+|probably\s+|directly\s+)?(?:related|linked|tied|connected)\s+to)\b\s*|\broot[- ]?cause\s*[:-]\s*";
const CAUSE_SUBJ: &str = r"\b(?:caused|causes|causing|(?:has|have|had)\s+caused|(?:was|is|were|are)\s+causing|(?:may|might|could|can|will|would)\s+(?:have\s+)?caused?|led\s+to|leads\s+to|leading\s+to|(?:has|have|had)\s+led\s+to|resulted\s+in|results\s+in|resulting\s+in|(?:has|have|had)\s+resulted\s+in|triggered|broke|(?:has|have|had)\s+broken|took\s+down|(?:has|have|had)\s+had\s+an\s+impact\s+on|overwhelmed|exhausted)\b";
const BECAUSE: &str = r"\bbecause\s+(?:of\b)?";
const AS_A_RESULT_START: &str = r"^(?:and\s+)?(?:as\s+a\s+(?:direct\s+)?result|this\s+(?:has\s+)?(?:caused|resulted\s+in|led\s+to|triggered)|which\s+(?:caused|resulted\s+in|led\s+to))\b";
const SUSPECT: &str = r"\b(?:we|they|engineers|the\s+team)\s+(?:currently\s+|strongly\s+)?suspects?\b|\b(?:suspected|probable|apparent)\s+(?:root[- ]?)?cause\b";
const DEFECT_FOUND: &str = r"\b(?:bugs?|defects?|misconfigurations?|regressions?|memory\s+leaks?)\s+(?:was|were|has\s+been|have\s+been)\s+(?:identified|found|discovered|detected)\b|\b(?:identified|found|discovered)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+)?(?:bug|defect|misconfiguration|regression)\s+(?:in|with)\b";
const RESPONSIBLE: &str = r"\b(?:the|a|an)\s+((?:[\w-]+\s+){0,3}?[\w-]+)\s+responsible\b";
/// Words that make "X caused Y" a named cause (a defect, a change, a part, a third party).
const DEFECT: &str = r"\b(?:bugs?|defects?|glitch\w*|misconfig\w*|config\w*|changes?|deploy\w*|releases?|rollouts?|roll-outs?|updates?|upgrades?|migrations?|certificates?|certs?|firmware|hardware|routers?|switch(?:es)?|nodes?|disks?|power|fib(?:er|re)|outages?|failures?|failed|faulty|fault|attacks?|ddos|leaks?|loops?|exhaustion|restarts?|crash\w*|quer(?:y|ies)|jobs?|scripts?|providers?|vendors?|partners?|carriers?|upstream|third[- ]part\w*|flags?|capacity|throttl\w*|limits?|cach\w*|dns|network\w*|databases?|clusters?|servers?|fix|patch\w*|hotfix\w*|code|checks?|bgp|routes?|data\s+center|datacent\w*|cable|circuit|maintenance)\b";
/// Words that name nothing: generic nouns of incidents and symptoms, function words.
const GENERIC_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "which",
    "what",
    "our",
    "their",
    "your",
    "some",
    "any",
    "all",
    "one",
    "of",
    "in",
    "on",
    "at",
    "with",
    "for",
    "to",
    "from",
    "by",
    "and",
    "or",
    "as",
    "is",
    "was",
    "are",
    "were",
    "be",
    "been",
    "has",
    "have",
    "had",
    "we",
    "they",
    "you",
    "us",
    "issue",
    "issues",
    "problem",
    "problems",
    "incident",
    "incidents",
    "outage",
    "outages",
    "event",
    "events",
    "disruption",
    "disruptions",
    "degradation",
    "interruption",
    "interruptions",
    "error",
    "errors",
    "rates",
    "rate",
    "latency",
    "delay",
    "delays",
    "delayed",
    "failures",
    "impact",
    "behavior",
    "behaviour",
    "condition",
    "conditions",
    "situation",
    "symptom",
    "symptoms",
    "something",
    "trouble",
    "troubles",
    "difficulties",
    "slowness",
    "timeouts",
    "intermittent",
    "elevated",
    "increased",
    "higher",
    "high",
    "heavy",
    "unusual",
    "unexpected",
    "brief",
    "known",
    "remaining",
    "underlying",
    "potential",
    "possible",
    "likely",
    "same",
    "ongoing",
    "current",
    "earlier",
    "recent",
    "previous",
    "above",
    "mentioned",
    "further",
    "data",
    "missing",
    "slow",
    "service",
    "services",
    "users",
    "customers",
    "some",
    "certain",
    "temporary",
    "temporarily",
    "partial",
    "minor",
    "major",
    "significant",
    "widespread",
    "load",
    "loads",
    "traffic",
    "volume",
    "volumes",
    "demand",
    "usage",
    "requests",
    "activity",
    "spike",
    "spikes",
    "surge",
    "not",
    "yet",
    "still",
    "now",
    "currently",
    "being",
    "under",
    "unknown",
    "unclear",
    "investigation",
    "investigating",
    "nature",
    "sporadic",
    "complex",
    "complexity",
    "maintenance",
    "scheduled",
    "planned",
    "caution",
    "abundance",
    "precaution",
    "mentioned",
    "other",
    "another",
    "such",
    "there",
    "here",
    "these",
    "them",
    "him",
    "her",
    "he",
    "she",
];
/// The start of a cause phrase that makes it no presumed cause.
const NOT_A_CAUSE_START: &str = r"^(?:not\b|unknown|unclear|still\b|being\b|under\b|yet\b|currently\s+(?:being|under|unknown)|to\s+be\s+determined|tbd\b|pending\b|(?:the\s+|a\s+)?(?:deploy\w*|rollout|roll-out|release|application)\s+of\s+(?:the|a|our)\s+(?:fix|patch|hotfix|mitigation|workaround)|(?:an?\s+)?(?:abundance\s+of\s+)?caution|(?:the\s+)?(?:sporadic|intermittent|complex)\s+nature|(?:the\s+|our\s+)?(?:active\s+|ongoing\s+|continued\s+)?(?:management|mitigations?|workarounds?|response|efforts?|actions?|monitoring)\b|(?:optimi[sz]\w*|improv\w*|accelerat\w*|scaling|adding|increasing|our\s+(?:fix|changes?\s+to\s+improve))|(?:(?:our|the|an?)\s+)?(?:on-?call\s+)?(?:engineers?|team|operators?|staff|on-?call|sres?)\b|us\b|(?:still\s+|not\s+yet\s+|now\s+)?(?:confirmed|known|identified|determined|found|established|clear)\b|once\b|when\b|after\b|until\b|if\b)";

// Blame.
/// Words that may qualify a third-party role ("our cloud service provider", "one of our transit
/// providers"); an allowlist, so that "private VCS providers" (a product feature) or "work with
/// our carrier" (absorbing a verb) is no role.
const ROLE_MODIFIER: &str = r"(?:cloud|hosting|host|service|services|edge|network|networking|dns|cdn|storage|datacent(?:er|re)|data|center|centre|colocation|colo|infrastructure|upstream|third|3rd|party|third-party|transit|payment|payments|sms|email|e-mail|telecom|telecommunications|carrier|internet|isp|major|external|key|primary|main|identity|authentication|auth|sso|database|monitoring|certificate|platform|api|messaging|voice|mobile|partner|vendor|common|hardware|software|fiber|fibre|connectivity|security|ddos|mitigation|backbone|peering|logging|saas|iaas|paas|technology|tech|downstream|supply|shipping|bank|banking|card|processing|processor)";
const ROLE: &str = r"(?:(?:ROLE_MODIFIER\s+){0,4}(?:providers?|vendors?|suppliers?|partners?|carriers?|isps?|contractors?)\b|upstreams?\b|third[- ]part(?:y|ies)\b)";
const PROBLEM_STRICT: &str = r"(?:outages?|incidents?|issues?|problems?|failures?|disruptions?|degradations?|anomal(?:y|ies)|interruptions?|attacks?|bugs?|misconfigurations?|downtime|power\s+issues?)\b";
const PROBLEM_ANY: &str = r"(?:outages?|incidents?|issues?|problems?|failures?|disruptions?|degradations?|anomal(?:y|ies)|interruptions?|attacks?|bugs?|misconfigurations?|downtime|errors?|timeouts?|503s?|502s?|5xx)\b";
const DET: &str =
    r"(?:(?:one\s+of\s+|some\s+of\s+|several\s+of\s+)?(?:our|the|a|an|their|its)\s+)?";

/// The compiled detectors.
#[derive(Debug)]
pub(crate) struct Engine {
    time: Regex,
    strong: Regex,
    weak: Regex,
    done: Regex,
    update: Regex,
    update_about_time: Regex,
    no_eta: Regex,
    monitor: Regex,
    not_a_promise_before: Regex,
    ago_after: Regex,
    leading_time: Regex,
    participle_before: Regex,
    dangling_promise: Regex,
    cause_post: Regex,
    cause_subj: Regex,
    because: Regex,
    as_a_result_start: Regex,
    suspect: Regex,
    defect_found: Regex,
    responsible: Regex,
    defect: Regex,
    not_a_cause_start: Regex,
    recovery_effect: Regex,
    symptom_head: Regex,
    cause_question_before: Regex,
    party: Regex,
    blame: Vec<Regex>,
    working_with: Regex,
}

fn re(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(16 * (1 << 20))
        .build()
}

impl Engine {
    /// Compiles the detectors for these third-party names (lower case).
    pub fn new(names: &[String]) -> Result<Engine, regex::Error> {
        let mut names: Vec<String> = names
            .iter()
            .map(|n| regex::escape(&n.trim().to_ascii_lowercase()).replace(' ', r"\s+"))
            .filter(|n| !n.is_empty())
            .collect();
        // Longest first, so "google cloud" wins over "google".
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let name_alt = if names.is_empty() {
            "(?:x\\Bx)".to_string()
        } else {
            format!("(?:{})", names.join("|"))
        };
        // A third party: a known name, or a role, with an optional determiner.
        let role = ROLE.replace("ROLE_MODIFIER", ROLE_MODIFIER);
        let party = format!(r"(?:\b{DET}(?:{name_alt}(?:'s)?(?:\s+\(\w+\))?|{role}(?:'s?)?))");
        // The blame patterns run on a copy of the text where every third party is masked as
        // `P___` (and the writer's own names as `Q___`): small regexes, one party regex.
        let party_token = r"(?:\bP_*)";
        let blame = [
            // "AWS is experiencing an outage", "our upstream provider is absorbing a DDoS attack",
            // "our CDN vendor is down", "AWS failed us"
            format!(
                r"{party_token}(?:\s+(?:services?|platforms?|apis?|systems?|dependenc(?:y|ies)))?(?:\s+(?:that\s+|which\s+)?we\s+(?:rely|depend)\s+on)?(?:\s*,\s*[\w.' -]{{1,30}},)?\s+(?:(?:is|are|was|were|has|have|had)\s+)?(?:(?:been|currently|also|still|now|reportedly|apparently|completely|totally|again)\s+)*(?:(?:experienc|hav|suffer|absorb|report|see|fac)\w*\s+(?:[\w-]+\s+){{0,4}}?{PROBLEM_STRICT}|down\b|offline\b|unavailable\b|failed\b|broke\b|broken\b|went\s+down|gone\s+down|let\s+(?:us|our\s+customers|you)\s+down|messed\s+up|dropped\s+the\s+ball|responsible\b|to\s+blame\b|at\s+fault\b)"
            ),
            // "an outage at our cloud provider", "issues with third-parties", "errors from our CDN
            // provider", "a change made by one of our vendors"
            format!(
                r"\b{PROBLEM_ANY}(?:\s+(?:occurs?|occurred|occurring|reported|observed))?\s+(?:at|with|in|on|from|within|affecting|impacting|involving|internal\s+to|originating\s+(?:from|at|in)|of)\s+(?:[\w-]+\s+and\s+)?{party_token}"
            ),
            r"\b(?:changes?|updates?|upgrades?|misconfigurations?)\s+(?:\w+\s+){0,3}?(?:made|applied|pushed|performed|done)\s+by\s+PARTY".replace("PARTY", party_token),
            // "the AWS outage", "a GCP network anomaly", "an upstream networking issue"
            format!(r"{party_token}\s+(?:[\w-]+\s+){{0,2}}?{PROBLEM_STRICT}"),
            // the third party fixes, reports or estimates: "Microsoft has identified the issue"
            format!(
                r"{party_token}\s+(?:(?:has|have|had|is|are|was|were)\s+)?(?:(?:now|also|already|successfully|actively|currently|reportedly|still)\s+)*(?:identified|deployed|implemented|confirmed|reported|reports|reporting|communicated|indicated|declared|estimated|estimates|expects?|anticipates?|resolved|fixed|mitigated|addressing|restoring|repairing|rolling\s+back|(?:working|continu\w+\s+to\s+work)\s+on\s+(?:repairing|fixing|resolving|restoring|a\s+fix|the\s+(?:issue|problem|incident|outage))|continu\w+\s+to\s+(?:resolve|address|repair|fix|restore))\b"
            ),
            format!(
                r"\b(?:resolved|fixed|mitigated|caused)\s+by\s+{party_token}|\baccording\s+to\s+{party_token}"
            ),
            format!(
                r"\b(?:information|news|word|notice|updates?|confirmation)\s+from\s+{party_token}"
            ),
            format!(r"\b(?:multiple|other|many|all)\s+{party_token}\s+customers\b"),
            format!(
                r"\b{PROBLEM_ANY}[^.;]{{0,80}}?\b(?:that|which)\s+(?:utili[sz]es?|uses?|rel(?:y|ies)\s+on|depends?\s+on)\s+{party_token}"
            ),
            format!(r"\bon\s+(?:their|{party_token})\s+(?:side|end)\b"),
            // "confirmed to be upstream from our network" ("upstream" is masked as a party)
            r"\bconfirmed\s+to\s+be\s+P_*|\b(?:is|was|lies|lay)\s+P_*\s+(?:of|from)\s+(?:our|the)\b".to_string(),
            r"\b(?:their|its)\s+(?:engineering\s+)?teams?\s+(?:work|are\s+working|is\s+working|continue\s+to\s+work)\s+on\s+(?:the|this)\s+(?:issue|problem|incident|outage)".to_string(),
            // fault and blame words
            r"\bP_*\s+fault\b|\b(?:[\w-]+\s+)?[\w-]+'s?\s+fault\b|\b(?:our|their|its|his|her|your|my|no|nobody's)\s+fault\b|\bat\s+fault\b|\bfault\s+(?:lies|lay|rests|rested|is|was)\s+(?:entirely\s+|squarely\s+|solely\s+)?with\b|\b[\w-]+\s+(?:is|are|was|were)\s+(?:[\w-]+\s+)?to\s+blame\b|\bblam(?:e|es|ed|ing)\b".to_string(),
        ];
        Ok(Engine {
            time: re(&time_pattern())?,
            strong: re(STRONG)?,
            weak: re(WEAK)?,
            done: re(DONE)?,
            update: re(UPDATE)?,
            update_about_time: re(UPDATE_ABOUT_TIME)?,
            no_eta: re(NO_ETA)?,
            monitor: re(MONITOR)?,
            not_a_promise_before: re(NOT_A_PROMISE_BEFORE)?,
            ago_after: re(AGO_AFTER)?,
            leading_time: re(LEADING_TIME)?,
            participle_before: re(PARTICIPLE_BEFORE)?,
            dangling_promise: re(DANGLING_PROMISE)?,
            cause_post: re(CAUSE_POST)?,
            cause_subj: re(CAUSE_SUBJ)?,
            because: re(BECAUSE)?,
            as_a_result_start: re(AS_A_RESULT_START)?,
            suspect: re(SUSPECT)?,
            defect_found: re(DEFECT_FOUND)?,
            responsible: re(RESPONSIBLE)?,
            defect: re(DEFECT)?,
            not_a_cause_start: re(NOT_A_CAUSE_START)?,
            recovery_effect: re(
                r"^(?:an?\s+|the\s+|some\s+|full\s+|partial\s+|gradual\s+)*(?:recover\w*|improv\w*|restor\w*|normal\w*|resolution|mitigation|fewer|reduced|lower|stabili\w*)",
            )?,
            // "due to function invocation errors when ...": one symptom explaining another.
            symptom_head: re(
                r"^(?:[\w'-]+\s+){0,4}?(?:errors?|failures|timeouts?|latency|delays?|slowness|unavailability|5xxs?|503s?|502s?)(?:\s+(?:when|while|if|for|in|on|during|after|with|from)\b|\s*$)",
            )?,
            cause_question_before: re(
                r"\b(?:what|whether|if|until|once|when|after|before)\s+(?:the\s+|a\s+)?$",
            )?,
            party: re(&party)?,
            blame: blame.iter().map(|p| re(p)).collect::<Result<_, _>>()?,
            working_with: re(
                r"\b(?:working|work|works|worked|engaged|engaging|in\s+(?:direct\s+)?contact|collaborat\w+|together|along|coordinat\w+|partner\w*|liais\w+)\s+(?:closely\s+)?with\s*$|\b(?:engaged|contacted|escalated\s+(?:this\s+|it\s+)?to|reached\s+out\s+to)\s*$|\b(?:investigat\w+|work\w*\s+on|troubleshoot\w*|look\w*\s+into|resolv\w+|address\w*|fix\w*)\s+(?:this|the)\s+(?:issue|problem|incident|outage)\s+(?:together\s+)?with\s*$",
            )?,
        })
    }

    /// All hits in the prepared text, unsorted. `own` lists names that are the writer's own
    /// (lower case): they are never a third party.
    pub fn detect(&self, p: &Prepared, own: &[String]) -> Vec<Hit> {
        let mut out = Vec::new();
        // Each regex runs once over the whole text; matches are then handed to their sentence.
        let all =
            |re: &Regex| -> Vec<Range<usize>> { re.find_iter(&p.s).map(|m| m.range()).collect() };
        let scan = Scan {
            time: all(&self.time),
            no_eta: all(&self.no_eta),
            strong: all(&self.strong),
            weak: all(&self.weak),
            done: all(&self.done),
            update: all(&self.update),
            update_about_time: all(&self.update_about_time),
            cause_post: all(&self.cause_post),
            cause_subj: all(&self.cause_subj),
            because: all(&self.because),
            cause_other: {
                let mut v = all(&self.suspect);
                v.extend(all(&self.defect_found));
                v.sort_by_key(|r| r.start);
                v
            },
            responsible: all(&self.responsible),
        };
        // Third parties, masked.
        let mut masked = p.s.clone();
        for m in self.party.find_iter(&p.s) {
            let r = m.range();
            let own_name = is_own(&p.s[r.clone()], own);
            if let Some(first) = masked.get_mut(r.start) {
                *first = if own_name { b'Q' } else { b'P' };
            }
            for b in masked.get_mut(r.start + 1..r.end).unwrap_or_default() {
                *b = b'_';
            }
        }
        let blame: Vec<Range<usize>> = {
            let mut v: Vec<Range<usize>> = self
                .blame
                .iter()
                .flat_map(|re| re.find_iter(&masked).map(|m| m.range()).collect::<Vec<_>>())
                .collect();
            v.sort_by_key(|r| (r.start, r.end));
            v
        };
        for (n, sentence) in p.sentences.iter().enumerate() {
            let s = &p.s[sentence.clone()];
            let base = sentence.start;
            let previous = n.checked_sub(1).and_then(|i| p.sentences.get(i));
            let at = |list: &[Range<usize>]| in_sentence(list, sentence);
            self.eta(s, base, &scan, sentence, &mut out);
            self.cause(
                s,
                previous.map(|r| (&p.s[r.clone()], &masked[r.clone()])),
                base,
                own,
                &scan,
                sentence,
                &mut out,
            );
            self.blame(s, &masked[sentence.clone()], base, &at(&blame), &mut out);
        }
        out
    }

    // -----------------------------------------------------------------------------------------
    // ETA

    fn eta(&self, s: &[u8], base: usize, scan: &Scan, sentence: &Range<usize>, out: &mut Vec<Hit>) {
        let at = |list: &[Range<usize>]| in_sentence(list, sentence);
        // A promise left open at the end: "The issue should be resolved by".
        if let Some(m) = self.dangling_promise.find(s) {
            out.push(Hit {
                kind: Kind::Eta,
                span: base + m.start()..base + m.end(),
                detail: None,
            });
        }
        let times: Vec<Range<usize>> = at(&scan.time);
        if times.is_empty() {
            return;
        }
        let negated: Vec<Range<usize>> = at(&scan.no_eta);
        let strong: Vec<Range<usize>> = at(&scan.strong)
            .into_iter()
            .filter(|a| !negated.iter().any(|n| n.start <= a.start && a.end <= n.end))
            .filter(|a| !preceded_by_word(s, a.start, &["as", "than", "the", "not", "un"]))
            .collect();
        // "would've been able to", "should have been": past, not a promise.
        let weak: Vec<Range<usize>> = at(&scan.weak)
            .into_iter()
            .filter(|w| {
                let rest = &s[w.end..];
                let past = rest.starts_with(b"'ve") || rest.starts_with(b" have ");
                let conditional = matches!(&s[w.clone()], b"would" | b"should" | b"could");
                !(rest.starts_with(b" not") || (past && conditional))
            })
            .collect();
        let done: Vec<Range<usize>> = at(&scan.done);
        // "an upcoming Grafana update" is a release, not a status update.
        let updates: Vec<Range<usize>> = at(&scan.update)
            .into_iter()
            .filter(|u| {
                !(s[u.clone()].starts_with(b"update")
                    && preceded_by_word(s, u.start, SOFTWARE_UPDATE_WORDS))
            })
            .collect();
        let about_time: Vec<Range<usize>> = at(&scan.update_about_time);
        let any_done = !done.is_empty();

        for t in &times {
            // A past time, a delay, a monitoring period.
            let before = &s[t.start.saturating_sub(48)..t.start];
            if self.not_a_promise_before.is_match(before) || self.ago_after.is_match(&s[t.end..]) {
                continue;
            }
            // The time of the next update or of a report.
            if about_time.iter().any(|u| u.end <= t.start) {
                continue;
            }
            if let Some(u) = updates.iter().rev().find(|u| u.end <= t.start) {
                let recovery_between = done.iter().any(|d| d.start >= u.end && d.end <= t.start);
                if !recovery_between {
                    continue;
                }
            }
            // "fixed in 30 minutes", "back up by 3pm": a terse promise (not "was fixed in").
            if let Some(p) = self
                .participle_before
                .find(&s[t.start.saturating_sub(40)..t.start])
            {
                let p_start = t.start.saturating_sub(40) + p.start();
                if !preceded_by_word(s, skip_adverbs(s, p_start), PAST_AUX) {
                    out.push(Hit {
                        kind: Kind::Eta,
                        span: base + p_start..base + t.end,
                        detail: Some(base + t.start..base + t.end),
                    });
                    continue;
                }
            }
            // "by end of day" alone.
            if self.leading_time.is_match(&s[..t.start]) && is_end(&s[t.end..]) {
                out.push(Hit {
                    kind: Kind::Eta,
                    span: base..base + t.end,
                    detail: Some(base + t.start..base + t.end),
                });
                continue;
            }
            // "Within 2 hours, service should be restored."
            if self.leading_time.is_match(&s[..t.start]) {
                let anchor_after = strong
                    .iter()
                    .chain(&weak)
                    .filter(|a| a.start >= t.end)
                    .min_by_key(|a| a.start);
                if let Some(a) = anchor_after
                    && let Some(d) = done.iter().find(|d| d.start >= a.end)
                {
                    out.push(Hit {
                        kind: Kind::Eta,
                        span: base..base + d.end,
                        detail: Some(base + t.start..base + t.end),
                    });
                    continue;
                }
            }
            let strong_before = strong.iter().rev().find(|a| a.end <= t.start);
            let hit_start = if let Some(a) = strong_before
                && (any_done || self_sufficient(&s[a.clone()]))
            {
                Some(a.start)
            } else {
                weak.iter().rev().find(|w| w.end <= t.start).and_then(|w| {
                    let between = &s[w.end..t.start];
                    if self.monitor.is_match(between) {
                        return None;
                    }
                    let takes = s[w.clone()].ends_with(b"take");
                    let done_between =
                        takes || done.iter().any(|d| d.start >= w.end && d.end <= t.start);
                    let subject_start = w.start.saturating_sub(24);
                    let done_subject = done
                        .iter()
                        .any(|d| d.start >= subject_start && d.end <= w.start);
                    (done_between || done_subject).then_some(if done_subject {
                        done.iter()
                            .find(|d| d.start >= subject_start && d.end <= w.start)
                            .map_or(w.start, |d| d.start)
                    } else {
                        w.start
                    })
                })
            };
            if let Some(start) = hit_start {
                out.push(Hit {
                    kind: Kind::Eta,
                    span: base + start..base + t.end,
                    detail: Some(base + t.start..base + t.end),
                });
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Cause

    #[allow(clippy::too_many_arguments)]
    fn cause(
        &self,
        s: &[u8],
        previous: Option<(&[u8], &[u8])>,
        base: usize,
        own: &[String],
        scan: &Scan,
        sentence: &Range<usize>,
        out: &mut Vec<Hit>,
    ) {
        let at = |list: &[Range<usize>]| in_sentence(list, sentence);
        let previous_masked = previous.map(|(_, m)| m);
        let previous = previous.map(|(p, _)| p);
        // "caused by X", "due to X", "the root cause was X": X follows.
        for m in at(&scan.cause_post) {
            // "what the root cause was", "once the root cause is confirmed"
            if self.cause_question_before.is_match(&s[..m.start]) {
                continue;
            }
            let phrase = phrase_after(s, m.end, 12);
            let x = &s[phrase.clone()];
            // "caused by" with nothing after it yet: the cause is about to be typed.
            let dangling = x.is_empty() && is_end(&s[m.end..]);
            if !dangling && (x.is_empty() || self.not_a_cause_start.is_match(x)) {
                continue;
            }
            let third_party = self.third_party_in(x, own).is_some();
            if !dangling && !third_party && (!has_content_word(x) || self.symptom_head.is_match(x))
            {
                continue;
            }
            // "(any inconvenience) caused by this outage": generic, skipped above. The cause
            // ends at the end of the phrase.
            out.push(Hit {
                kind: Kind::Cause,
                span: base + m.start..base + phrase.end,
                detail: None,
            });
            // The third party may come later in the sentence: "errors retrieving assets, like
            // JavaScript, from our CDN provider".
            let rest = &s[m.end..];
            let rest_end = [&b" that "[..], b" which ", b" who "]
                .iter()
                .filter_map(|w| rest.windows(w.len()).position(|x| x == *w))
                .min()
                .unwrap_or(rest.len());
            if let Some(party) = self.third_party_in(&rest[..rest_end], own) {
                let at = base + m.end;
                out.push(Hit {
                    kind: Kind::Blame,
                    span: base + m.start..base + phrase.end,
                    detail: Some(at + party.start..at + party.end),
                });
            }
        }
        // "X caused Y", "X led to Y": X comes before and must name a defect.
        for m in at(&scan.cause_subj) {
            let rest = &s[m.end..];
            if rest.starts_with(b" by") || rest.starts_with(b"\tby") {
                continue; // "caused by" is a post link
            }
            // "..., resulting in a full recovery" is no cause of a problem.
            let effect = phrase_after(s, m.end, 4);
            if self.recovery_effect.is_match(&s[effect]) {
                continue;
            }
            let subject = subject_before(s, m.start);
            let x = &s[subject.clone()];
            let named = if x.is_empty() {
                false
            } else if is_pronoun(x) {
                previous.is_some_and(|p| self.defect.is_match(p))
            } else {
                (self.defect.is_match(x) || self.third_party_in(x, own).is_some())
                    && !self.not_a_cause_start.is_match(x)
            };
            if named {
                let start = if is_pronoun(x) {
                    m.start
                } else {
                    subject.start
                };
                out.push(Hit {
                    kind: Kind::Cause,
                    span: base + start..base + m.end,
                    detail: None,
                });
            }
        }
        self.cause_because(s, base, &at(&scan.because), out);
        // "As a result, ..." after a sentence naming a defect or a third party's problem.
        if let Some(m) = self.as_a_result_start.find(s).map(|m| m.range())
            && let Some(p) = previous
            && (self.defect.is_match(p)
                || previous_masked
                    .is_some_and(|pm| self.blame.iter().take(4).any(|b| b.is_match(pm))))
        {
            out.push(Hit {
                kind: Kind::Cause,
                span: base + m.start..base + m.end,
                detail: None,
            });
        }
        for m in at(&scan.cause_other) {
            out.push(Hit {
                kind: Kind::Cause,
                span: base + m.start..base + m.end,
                detail: None,
            });
        }
        self.cause_responsible(s, base, &at(&scan.responsible), out);
    }

    /// "... because SSO credential rotation was not reflected": the clause after `because`
    /// names the cause (`because of` is a post link, see [`Self::cause`]).
    fn cause_because(&self, s: &[u8], base: usize, found: &[Range<usize>], out: &mut Vec<Hit>) {
        for m in found {
            if s[m.clone()].ends_with(b"of") {
                continue; // "because of" is a post link
            }
            let clause = phrase_after(s, m.end, 10);
            let subject_end = clause.start
                + s[clause.clone()]
                    .windows(4)
                    .position(|w| {
                        w.starts_with(b" was")
                            || w.starts_with(b" wer")
                            || w.starts_with(b" is ")
                            || w.starts_with(b" are")
                            || w.starts_with(b" had")
                            || w.starts_with(b" has")
                            || w.starts_with(b" hav")
                            || w.starts_with(b" did")
                    })
                    .unwrap_or(clause.end - clause.start);
            let x = &s[clause.start..subject_end];
            if !x.is_empty() && !is_pronoun(x) && has_content_word(x) {
                out.push(Hit {
                    kind: Kind::Cause,
                    span: base + m.start..base + clause.end,
                    detail: None,
                });
            }
        }
    }

    /// "the faulty router responsible": a defect named before `responsible`.
    fn cause_responsible(&self, s: &[u8], base: usize, found: &[Range<usize>], out: &mut Vec<Hit>) {
        for r in found {
            let Some(c) = self.responsible.captures(&s[r.clone()]) else {
                continue;
            };
            let shift = r.start;
            if let (Some(all), Some(x)) = (c.get(0), c.get(1))
                && self.defect.is_match(x.as_bytes())
            {
                out.push(Hit {
                    kind: Kind::Cause,
                    span: base + shift + all.start()..base + shift + all.end(),
                    detail: None,
                });
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Blame

    /// `masked` is the sentence with third parties as `P___`; `hits` the blame matches in it.
    fn blame(
        &self,
        s: &[u8],
        masked: &[u8],
        base: usize,
        hits: &[Range<usize>],
        out: &mut Vec<Hit>,
    ) {
        for m in hits {
            if s.get(m.end) == Some(&b'-') {
                continue; // "our fault-tolerant storage"
            }
            let parties = party_runs(masked, m.clone());
            // "working with our provider on the issue" is not blame.
            if let Some(first) = parties.first()
                && self
                    .working_with
                    .is_match(&s[m.start.saturating_sub(40).min(first.start)..first.start])
            {
                continue;
            }
            out.push(Hit {
                kind: Kind::Blame,
                span: base + m.start..base + m.end,
                detail: parties.first().map(|p| base + p.start..base + p.end),
            });
        }
    }

    /// The first third party named in `x` that is not one of `own`.
    fn third_party_in(&self, x: &[u8], own: &[String]) -> Option<Range<usize>> {
        self.party.find_iter(x).map(|m| m.range()).find(|r| {
            !is_own(&x[r.clone()], own)
                && !self
                    .working_with
                    .is_match(&x[r.start.saturating_sub(40)..r.start])
        })
    }
}

/// Global matches of the regexes the detectors use per sentence.
struct Scan {
    time: Vec<Range<usize>>,
    no_eta: Vec<Range<usize>>,
    strong: Vec<Range<usize>>,
    weak: Vec<Range<usize>>,
    done: Vec<Range<usize>>,
    update: Vec<Range<usize>>,
    update_about_time: Vec<Range<usize>>,
    cause_post: Vec<Range<usize>>,
    cause_subj: Vec<Range<usize>>,
    because: Vec<Range<usize>>,
    cause_other: Vec<Range<usize>>,
    responsible: Vec<Range<usize>>,
}

/// The matches of `list` (sorted by start) inside `sentence`, relative to its start.
fn in_sentence(list: &[Range<usize>], sentence: &Range<usize>) -> Vec<Range<usize>> {
    let from = list.partition_point(|r| r.start < sentence.start);
    list[from..]
        .iter()
        .take_while(|r| r.start < sentence.end)
        .filter(|r| r.end <= sentence.end)
        .map(|r| r.start - sentence.start..r.end - sentence.start)
        .collect()
}

/// The masked third parties (`P___` runs) inside `within`.
fn party_runs(masked: &[u8], within: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = within.start;
    while i < within.end.min(masked.len()) {
        if masked[i] == b'P' && (i == 0 || !masked[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            i += 1;
            while i < masked.len() && masked[i] == b'_' {
                i += 1;
            }
            out.push(start..i);
        } else {
            i += 1;
        }
    }
    out
}

/// Words before "update" that make it a software update, not a status update.
const SOFTWARE_UPDATE_WORDS: &[&str] = &[
    "upcoming",
    "software",
    "firmware",
    "security",
    "product",
    "system",
    "os",
    "kernel",
    "version",
    "config",
    "configuration",
    "dns",
    "certificate",
    "code",
    "schema",
    "rolling",
    "grafana",
    "app",
    "client",
    "browser",
    "driver",
    "windows",
    "ios",
    "android",
    "platform",
    "minor",
    "major",
];

/// Moves `at` back over adverbs ("fully", "successfully") and spaces.
fn skip_adverbs(s: &[u8], mut at: usize) -> usize {
    loop {
        let end = s[..at]
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(0, |p| p + 1);
        let start = s[..end]
            .iter()
            .rposition(|b| !b.is_ascii_alphabetic())
            .map_or(0, |p| p + 1);
        let word = &s[start..end];
        if word.len() > 3 && word.ends_with(b"ly") {
            at = start;
        } else {
            return at;
        }
    }
}

/// Whether only punctuation and spaces follow.
fn is_end(rest: &[u8]) -> bool {
    rest.iter()
        .all(|b| b.is_ascii_whitespace() || b".!?,;:".contains(b))
}

/// "ETA", "ETR", "estimated time ..." need no recovery word beside them.
fn self_sufficient(anchor: &[u8]) -> bool {
    matches!(anchor, b"eta" | b"etr") || anchor.starts_with(b"estimat")
}

/// Whether a third-party match is one of the writer's own names.
fn is_own(party: &[u8], own: &[String]) -> bool {
    if own.is_empty() {
        return false;
    }
    let text = String::from_utf8_lossy(party);
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let stripped: Vec<&str> = words
        .iter()
        .copied()
        .skip_while(|w| {
            matches!(
                *w,
                "our" | "the" | "a" | "an" | "their" | "its" | "one" | "of" | "some" | "several"
            )
        })
        .collect();
    let joined = stripped.join(" ");
    let joined = joined.trim_end_matches("'s");
    own.iter().any(|o| o == joined)
}

/// Whether the word right before `at` is one of `words`.
fn preceded_by_word(s: &[u8], at: usize, words: &[&str]) -> bool {
    let before = &s[..at];
    let trimmed_end = before
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    if trimmed_end == before.len() && at > 0 {
        // glued: "unexpected"
        let start = before
            .iter()
            .rposition(|b| !b.is_ascii_alphabetic())
            .map_or(0, |p| p + 1);
        return words.iter().any(|w| &before[start..] == w.as_bytes());
    }
    let start = before[..trimmed_end]
        .iter()
        .rposition(|b| !b.is_ascii_alphabetic())
        .map_or(0, |p| p + 1);
    let word = &before[start..trimmed_end];
    words.iter().any(|w| word == w.as_bytes())
}

/// The phrase after `from`: up to `max_words` words, ending at clause punctuation.
fn phrase_after(s: &[u8], from: usize, max_words: usize) -> Range<usize> {
    let mut end = from;
    let mut words = 0;
    let mut in_word = false;
    while end < s.len() {
        let b = s[end];
        if matches!(
            b,
            b',' | b';' | b':' | b'.' | b'!' | b'?' | b'(' | b')' | b'\n'
        ) {
            // keep decimals, dotted names and clock times ("v2.14", "api.npmjs.org", "19:48")
            let glued = matches!(b, b'.' | b':')
                && s.get(end + 1).is_some_and(|n| n.is_ascii_alphanumeric());
            if !glued {
                break;
            }
        }
        let is_word = !b.is_ascii_whitespace();
        if is_word && !in_word {
            words += 1;
            if words > max_words {
                break;
            }
        }
        in_word = is_word;
        end += 1;
    }
    let mut start = from;
    while start < end && s[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && s[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    start..end
}

/// Words that end the subject of "X caused Y" on the left.
const SUBJECT_CUTS: &[&str] = &[
    "that",
    "which",
    "who",
    "when",
    "where",
    "revealed",
    "determined",
    "found",
    "discovered",
    "uncovered",
    "show",
    "shows",
    "showed",
    "indicates",
    "indicated",
    "believe",
    "think",
    "and",
    "but",
    "while",
    "whereby",
];

/// Prepositions that end an antecedent on the left ("a fix for | the problem that caused").
const PREPOSITIONS: &[&str] = &[
    "for", "of", "with", "in", "on", "to", "from", "by", "at", "about", "after", "before", "during",
];

/// The subject of a link at `at`: up to 14 words back, across commas, stopping at other
/// punctuation and at `that`, `which`, `determined`, ... When the link comes right after
/// `that`/`which`, the antecedent: the words before it, back to a preposition.
fn subject_before(s: &[u8], at: usize) -> Range<usize> {
    let clause_start = s[..at]
        .iter()
        .rposition(|b| matches!(b, b';' | b':' | b'.' | b'(' | b')' | b'\n'))
        .map_or(0, |p| p + 1);
    let words = word_ranges(s, clause_start..at);
    let mut kept: Vec<Range<usize>> = Vec::new();
    for w in words.iter().rev().take(14) {
        let word = &s[w.clone()];
        if SUBJECT_CUTS.iter().any(|c| c.as_bytes() == word) {
            if kept.is_empty() && word == b"which" && s[..w.start].trim_ascii_end().ends_with(b",")
            {
                // ", which may cause ...": the antecedent is the clause before the comma.
                let before: Vec<&Range<usize>> = words
                    .iter()
                    .filter(|x| x.end <= w.start)
                    .rev()
                    .take(14)
                    .collect();
                if let (Some(first), Some(last)) = (before.last(), before.first()) {
                    return first.start..last.end;
                }
            }
            if kept.is_empty() && (word == b"that" || word == b"which") {
                let mut antecedent: Vec<&Range<usize>> = Vec::new();
                for x in words.iter().filter(|x| x.end <= w.start).rev().take(4) {
                    if PREPOSITIONS.iter().any(|p| p.as_bytes() == &s[x.clone()]) {
                        break;
                    }
                    antecedent.push(x);
                }
                if let (Some(first), Some(last)) = (antecedent.last(), antecedent.first()) {
                    return first.start..last.end;
                }
            }
            break;
        }
        kept.push(w.clone());
    }
    match (kept.last(), kept.first()) {
        (Some(first), Some(last)) => first.start..last.end,
        _ => at..at,
    }
}

fn word_ranges(s: &[u8], within: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = within.start;
    while i < within.end {
        while i < within.end && !is_word_byte(s[i]) {
            i += 1;
        }
        let start = i;
        while i < within.end && is_word_byte(s[i]) {
            i += 1;
        }
        if start < i {
            out.push(start..i);
        }
    }
    out
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'\'' | b'-' | b'_' | b'/' | b'&')
}

fn is_pronoun(x: &[u8]) -> bool {
    let t = String::from_utf8_lossy(x);
    let t = t.trim();
    matches!(
        t,
        "this" | "that" | "it" | "which" | "they" | "these" | "this issue" | "this change"
    )
}

/// Whether `x` has a word that names something: not generic, not a function word, not a number.
fn has_content_word(x: &[u8]) -> bool {
    let t = String::from_utf8_lossy(x);
    t.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '\''))
        .filter(|w| w.len() > 1)
        .map(|w| w.trim_end_matches("'s"))
        .any(|w| !GENERIC_WORDS.contains(&w) && !w.chars().all(|c| c.is_ascii_digit()))
}
