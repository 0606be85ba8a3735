extension Explorer {
    // MARK: Prompts

    static func ask(_ kind: ExplorerState.PromptKind, _ state: inout ExplorerState) -> [Effect] {
        state.prompt = ExplorerState.Prompt(kind: kind, text: kind == .filter ? (state.filter ?? "") : "")
        return []
    }

    /// Every key but the prompt table's types into the prompt.
    static func promptKey(_ key: Key, _ state: inout ExplorerState) -> [Effect] {
        guard var prompt = state.prompt else { return [] }
        switch Keymap.prompt.action(for: key) {
        case .cancel:
            state.prompt = nil
            return []
        case .deleteBackward:
            if !prompt.text.isEmpty { prompt.text.removeLast() }
            state.prompt = prompt
            return []
        case .submit:
            state.prompt = nil
            return submit(prompt, &state)
        case nil:
            guard case let .character(character) = key else { return [] }
            if prompt.text.count < 200 { prompt.text.append(character) }
            state.prompt = prompt
            return []
        }
    }

    static func submit(_ prompt: ExplorerState.Prompt, _ state: inout ExplorerState) -> [Effect] {
        guard let topic = state.currentTopic, let partition = state.currentPartition else { return [] }
        let text = prompt.text.trimmingCharacters(in: " ")
        switch prompt.kind {
        case .gotoOffset:
            guard let offset = Int64(text) else {
                setStatus("'\(text)' is not an offset", &state, error: true)
                return []
            }
            state.follow = false
            return [.gotoOffset(topic: topic.name, partition: partition.partition, offset: offset)]
        case .time:
            guard !text.isEmpty else { return [] }
            state.follow = false
            return [.seekTime(topic: topic.name, partition: partition.partition, expression: text)]
        case .search:
            guard !text.isEmpty else { return [] }
            state.search = text
            state.follow = false
            return [.search(topic: topic.name, partition: partition.partition, from: state.cursor + 1, query: text, forward: true)]
        case .filter:
            state.filter = text.isEmpty ? nil : text
            setStatus(text.isEmpty ? "filter cleared" : "showing events matching '\(text)' (Esc clears)", &state)
            return reloadEvents(state)
        }
    }

}
