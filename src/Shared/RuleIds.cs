namespace UringSafe.Analyzers
{
    /// <summary>
    /// The one registry of UringSafe rule IDs: UR0xxx for the analyzers (src/Analyzers), UR1xxx for the
    /// <c>[UringOperation]</c> declaration rules (src/Generators). Compiled into both assemblies (linked source), so each
    /// ID, category and help link is written once.
    /// </summary>
    internal static class RuleIds
    {
        // UR0xxx: ownership (UringSafe.Analyzers)

        /// <summary>Buffer used while lent.</summary>
        public const string BufferUsedWhileLent = "UR0001";

        /// <summary>Lent buffer not taken back.</summary>
        public const string BufferNotTakenBack = "UR0002";

        /// <summary>In-flight operation dropped.</summary>
        public const string InFlightOperationDropped = "UR0003";

        /// <summary>Buffer lent twice.</summary>
        public const string BufferLentTwice = "UR0004";

        /// <summary>Memory not pinned for the operation's lifetime.</summary>
        public const string MemoryNotPinned = "UR0005";

        /// <summary>Alias of a lent buffer used.</summary>
        public const string AliasOfLentBufferUsed = "UR0006";

        /// <summary>Parameter lent but not declared [Lends].</summary>
        public const string ParameterLentNotDeclared = "UR0007";

        /// <summary>Blocking call on a reactor thread.</summary>
        public const string BlockingOnReactor = "UR0008";

        // UR1xxx: [UringOperation] declarations (UringSafe.Generators)

        /// <summary>The method is not a partial definition the generator can implement.</summary>
        public const string NotAPartialDefinition = "UR1001";

        /// <summary>No parameter, or more than one, is marked <c>[Lends]</c>.</summary>
        public const string LentParameterCount = "UR1002";

        /// <summary>The lent buffer type is not supported, or the return type does not match it.</summary>
        public const string UnsupportedBufferOrReturnType = "UR1003";

        /// <summary>The prepare method is missing or its signature does not match.</summary>
        public const string PrepareMethodMismatch = "UR1004";

        /// <summary>The operation cannot be cancelled: it has no <c>CancellationToken</c> parameter.</summary>
        public const string NoCancellationToken = "UR1005";

        /// <summary>The error mapper named by <c>ErrorMapper</c> is missing or its signature does not match.</summary>
        public const string ErrorMapperMismatch = "UR1006";

        /// <summary>UR1007: TransfersAll and FillsBuffer on the same operation.</summary>
        public const string TransfersAllFillsBuffer = "UR1007";

        // Categories (a severity can be set per category in .editorconfig; the Strict config sets each of them).

        /// <summary>The category of the ownership rules (UR0001-UR0007).</summary>
        public const string Category = "UringSafe.Ownership";

        /// <summary>The category of the reactor-thread rules (UR0008).</summary>
        public const string ReactorCategory = "UringSafe.Reactor";

        /// <summary>The category of the <c>[UringOperation]</c> declaration rules (UR1xxx).</summary>
        public const string GeneratorCategory = "UringSafe.Generators";

        /// <summary>Where every rule's page lives: <c>docs/rules/&lt;ID&gt;.md</c>.</summary>
        public const string HelpLinkBase = "https://github.com/uringsafe/uringsafe/blob/main/docs/rules/";

        /// <summary>Builds the documentation link of a rule.</summary>
        public static string HelpLink(string id) => HelpLinkBase + id + ".md";
    }
}
