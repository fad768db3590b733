"""Hybrid fusion and grouping on hand-made scores and vectors."""

from __future__ import annotations

import numpy as np
import pytest

from service.search.fusion import blend_leads, convex_fusion, z_scores
from service.search.grouping import corroborated, group_near_duplicates, shingles


def test_z_scores_standardise() -> None:
    z = z_scores({1: 1.0, 2: 2.0, 3: 3.0})
    assert z[2] == pytest.approx(0.0) and z[3] == pytest.approx(-z[1])
    assert np.std(list(z.values())) == pytest.approx(1.0)
    assert z_scores({1: 5.0, 2: 5.0}) == {1: 0.0, 2: 0.0}


def test_fusion_weights_the_two_lists() -> None:
    dense = {1: 0.9, 2: 0.5, 3: 0.1}
    keyword = {1: 0.0, 2: 9.0, 3: 1.0}
    # dense alone prefers 1, keyword alone 2; with 0.6 on dense the two top candidates swap
    # places as the weight moves
    assert convex_fusion(dense, keyword, 1.0)[0][0] == 1
    assert convex_fusion(dense, keyword, 0.0)[0][0] == 2
    fused = dict(convex_fusion(dense, keyword, 0.6))
    expected = {i: 0.6 * z_scores(dense)[i] + 0.4 * z_scores(keyword)[i] for i in dense}
    assert fused == pytest.approx(expected)


def test_grouping_folds_only_true_duplicates() -> None:
    quote = "My expectation and hope is that this will be closing down sooner than later"
    v = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    w = np.array([0.0, 1.0, 0.0], dtype=np.float32)
    u = np.array([0.0, 0.0, 1.0], dtype=np.float32)
    ranked = [
        (1, f"{quote}, Biden said.", v),
        (2, "Rockets were fired at Tel Aviv overnight.", w),
        (3, f'"{quote}," the president told reporters.', v),
        (4, f"{quote} — but in another sense entirely.", w),  # same words, unrelated vector
        (5, "Ceasefire talks resumed in Cairo.", u),
    ]
    asked: list[list[int]] = []

    def texts(ids: list[int]) -> dict[int, str]:
        asked.append(ids)
        return {pid: text for pid, text, _ in ranked if pid in ids}

    vectors = np.stack([vec for _, _, vec in ranked])
    groups = group_near_duplicates([pid for pid, _, _ in ranked], vectors, texts)
    assert groups == [(1, [3]), (2, []), (4, []), (5, [])]
    # only the passages close to an earlier one, and those earlier ones, were read
    assert asked == [[1, 2, 3, 4]]
    assert group_near_duplicates([5, 6], np.stack([v, w]), texts) == [(5, []), (6, [])]
    assert len(asked) == 1  # nothing close: no text read at all
    assert len(shingles("a b")) == 1


def test_corroboration_grows_slowly_and_leaves_negatives() -> None:
    assert corroborated(1.0, 0) == 1.0
    assert 1.0 < corroborated(1.0, 1) < corroborated(1.0, 4) < 1.5
    assert corroborated(-1.0, 4) == -1.0


def test_lead_blend_moves_deep_passages_toward_their_lead() -> None:
    dense = {1: 0.8, 2: 0.9, 3: 0.3, 4: 0.7, 6: 0.5}
    leads = {1: 1, 2: 1, 3: 3, 4: 3, 6: 9}  # 1 leads 2, 3 leads 4; 6's lead has no score
    ranked = [(2, 2.0), (1, 1.5), (4, 1.0), (3, 0.2), (5, 0.1), (6, 0.05)]  # 5: lead unknown
    out = dict(blend_leads(ranked, dense, leads, scale=2.0, weight=0.5))
    assert (out[1], out[3], out[5], out[6]) == (1.5, 0.2, 0.1, 0.05)  # leads and unknowns stay
    assert out[2] == pytest.approx(2.0 + 0.5 * (0.8 - 0.9) * 2.0)  # its lead scores lower
    assert out[4] == pytest.approx(1.0 + 0.5 * (0.3 - 0.7) * 2.0)


def test_the_keyword_list_says_nothing_of_candidates_in_another_language() -> None:
    dense = {1: 0.6, 2: 0.55, 3: 0.1}
    keyword = {1: 0.0, 2: 9.0, 3: 8.0}  # 1, in another language, cannot share a word
    assert convex_fusion(dense, keyword, 0.6)[0][0] == 2
    fused = dict(convex_fusion(dense, keyword, 0.6, frozenset({1})))
    assert fused[1] == pytest.approx(z_scores(dense)[1])  # its dense score stands for both
    assert max(fused, key=fused.__getitem__) == 1
