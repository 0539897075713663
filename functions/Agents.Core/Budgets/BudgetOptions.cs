using Agents.Core.Contracts;

namespace Agents.Core.Budgets;

/// <summary>Caps that may be set at each level; unset values fall through to the level below.</summary>
public sealed class BudgetCaps
{
    public int? TurnInputTokens { get; set; }

    public int? TurnOutputTokens { get; set; }

    public int? SessionTokens { get; set; }

    public int? OrgDailyTokens { get; set; }

    /// <summary>Input cap of a turn admitted with consent to the larger-context tier.</summary>
    public int? LongContextTurnInputTokens { get; set; }
}

/// <summary>
/// Section <c>Budgets</c>: hard token caps. A session's caps are the defaults, overridden by its risk tier
/// (<c>Budgets:RiskTiers:high</c>), then by its org (<c>Budgets:Orgs:contoso</c>); a session may ask for tighter caps, never looser.
/// </summary>
public sealed class BudgetOptions
{
    public const string Section = "Budgets";

    public BudgetCaps Defaults { get; set; } = new()
    {
        TurnInputTokens = 8_000,
        TurnOutputTokens = 2_000,
        SessionTokens = 40_000,
        OrgDailyTokens = 1_000_000,
        LongContextTurnInputTokens = 150_000,
    };

    public Dictionary<string, BudgetCaps> RiskTiers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, BudgetCaps> Orgs { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public BudgetLimits Resolve(string org, RiskTier risk)
    {
        BudgetCaps tier = this.RiskTiers.GetValueOrDefault(risk.Snake()) ?? new BudgetCaps();
        BudgetCaps byOrg = this.Orgs.GetValueOrDefault(org) ?? new BudgetCaps();
        int Pick(Func<BudgetCaps, int?> cap, int fallback) => cap(byOrg) ?? cap(tier) ?? cap(this.Defaults) ?? fallback;
        return new BudgetLimits(
            Pick(c => c.TurnInputTokens, 8_000),
            Pick(c => c.TurnOutputTokens, 2_000),
            Pick(c => c.SessionTokens, 40_000),
            Pick(c => c.OrgDailyTokens, 1_000_000))
        {
            LongContextTurnInputTokens = Pick(c => c.LongContextTurnInputTokens, 150_000),
        };
    }
}
