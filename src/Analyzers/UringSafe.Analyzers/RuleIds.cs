namespace UringSafe.Analyzers
{
    /// <summary>The stable identifiers of every UringSafe ownership rule.</summary>
    public static class RuleIds
    {
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

        /// <summary>The diagnostic category shared by all rules.</summary>
        public const string Category = "UringSafe.Ownership";

        /// <summary>Builds the documentation link of a rule.</summary>
        public static string HelpLink(string id) => "https://github.com/uringsafe/uringsafe/blob/main/docs/rules/" + id + ".md";
    }
}
