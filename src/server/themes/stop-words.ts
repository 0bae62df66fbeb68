/**
 * Words that say nothing about an argument: function words, the frame of a letter (建议, 希望,
 * 认为 say that something is proposed, not what), and words every comment on a law uses (条例,
 * 规定). A small list on purpose: TF-IDF already weighs down what every comment of an article
 * says; this list only keeps the key phrases and labels readable. English too: comments in English
 * or mixed scripts are clustered like the others.
 */
const zh = `的 了 和 与 及 或 是 在 对 把 被 让 给 向 从 到 为 以 于 而 且 但 也 都 就 还 又 很 更 最 太 会 能 要 应 该 可 可以 应该 应当 需要 必须
我 我们 你 你们 他 他们 她 它 本人 大家 自己 这 那 这个 那个 这些 那些 这样 那样 什么 怎么 如何 为什么 因为 所以 如果 虽然 但是 而且 并且 或者 以及 还是 已经 目前 现在 现行
一个 一些 一下 一定 一样 没有 不是 不要 不能 不会 不够 有些 有的 其中 其他 其它 之一 之后 之前 以上 以下 以后 等等 比如 例如 通过 进行 相关 有关 关于 对于 方面 问题 情况 工作
建议 希望 认为 觉得 感觉 提出 意见 看法 考虑 明确 规定 条例 草案 本条 该条 条款 第 条 款 项 法规 办法 内容 修改 增加 删除 补充 完善 加强 进一步 有效 合理 适当
谢谢 感谢 采纳 望 请 恳请 尊敬 领导 同志 您好 你好 此致 敬礼 居民 市民 群众`;
const en = `a an the and or but if of to in on at by for with from as is are was were be been being it its this that these those
i we you he she they me us my our your their them not no so than too very can could should would will shall may might must
do does did have has had about into over under more most some such only also just there here what which who whom how why when
please think suggest suggestion propose proposal regulation article draft law rule rules`;

export const STOP_WORDS: ReadonlySet<string> = new Set([...zh.split(/\s+/), ...en.split(/\s+/)].filter(Boolean));

/**
 * Themes only (not tag suggestions, whose figures were measured without them): the frame of a
 * comment, words that say how strongly or on whose behalf something is asked, not what — 强烈要求,
 * 很多居民反映, 作为一名市民, 特别是, 另外, 必须解决, 落实. Left in, a frame shared by comments of
 * different arguments outweighs the argument (decision 028, addendum).
 */
export const FRAME_WORDS: ReadonlySet<string> = new Set(`强烈 要求 强烈要求 呼吁 反映 很多 不少 许多 作为 一名 特别 特别是 另外 此外 同时 其次 首先 最后 总之 落实 解决 实际 实际上 真正 切实 尽快 及时
个人 广大 大部分 多数 部分 非常 十分 特别 比较 真的 确实 的确 实在 一直 经常 总是 表示 提议 呼声 诉求 反馈`.split(/\s+/).filter(Boolean));
