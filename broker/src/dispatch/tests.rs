use super::*;

#[test]
fn round_robin_cycles() {
    let mut rr = RoundRobin::new(3);
    let loads = ConsumerLoads::new(3);
    let picks: Vec<_> = (0..7)
        .map(|_| rr.route(&Message::for_test(0, 0), &loads))
        .collect();
    let want = [0, 1, 2, 0, 1, 2, 0].map(Route::Consumer);
    assert_eq!(picks, want);
}

#[test]
fn random_is_uniform_and_seeded() {
    let loads = ConsumerLoads::new(4);
    let mut a = Random::new(4, 7);
    let mut b = Random::new(4, 7);
    let mut counts = [0u32; 4];
    for _ in 0..40_000 {
        let Route::Consumer(k) = a.route(&Message::for_test(0, 0), &loads) else {
            panic!("shared")
        };
        assert_eq!(
            Route::Consumer(k),
            b.route(&Message::for_test(0, 0), &loads)
        );
        counts[k] += 1;
    }
    // Each count is Binomial(40000, 1/4): sd ≈ 86.6; 4 sd is 346.
    for c in counts {
        assert!((i64::from(c) - 10_000).abs() < 346, "{counts:?}");
    }
}

#[test]
fn shared_always_shared() {
    assert_eq!(
        Shared.route(&Message::for_test(0, 0), &ConsumerLoads::new(2)),
        Route::Shared
    );
}

/// Gives consumer `k` one more message of `size` and tells the strategy.
fn load(loads: &mut ConsumerLoads, s: &mut dyn Dispatch, k: usize, size: f64) {
    loads.add(k, size);
    s.on_load_change(k, loads);
}

fn unload(loads: &mut ConsumerLoads, s: &mut dyn Dispatch, k: usize, size: f64) {
    loads.remove(k, size);
    s.on_load_change(k, loads);
}

fn pick(s: &mut dyn Dispatch, loads: &ConsumerLoads) -> usize {
    match s.route(&Message::for_test(0, 0), loads) {
        Route::Consumer(k) => k,
        Route::Shared => panic!("shared"),
    }
}

#[test]
fn jsq_picks_least_loaded_with_seeded_random_ties() {
    let run = |seed| {
        let mut loads = ConsumerLoads::new(4);
        let mut jsq = Jsq::new(4, seed);
        for k in [0, 0, 1, 3, 3] {
            load(&mut loads, &mut jsq, k, 1.0);
        }
        // Held: [2, 1, 0, 2] -> always 2.
        assert_eq!(pick(&mut jsq, &loads), 2);
        load(&mut loads, &mut jsq, 2, 1.0);
        // Held: [2, 1, 1, 2] -> 1 or 2, at random.
        (0..200).map(|_| pick(&mut jsq, &loads)).collect::<Vec<_>>()
    };
    let a = run(1);
    assert!(a.iter().all(|&k| k == 1 || k == 2));
    assert!(a.contains(&1) && a.contains(&2), "ties broken both ways");
    assert_eq!(a, run(1), "reproducible by seed");
    assert_ne!(a, run(2));
}

#[test]
fn jsq_follows_loads_down_as_well_as_up() {
    let mut loads = ConsumerLoads::new(3);
    let mut jsq = Jsq::new(3, 0);
    for k in [0, 1, 2, 0, 1, 2, 2] {
        load(&mut loads, &mut jsq, k, 1.0);
    }
    // Held [2, 2, 3]; now 2 drains to 0.
    for _ in 0..3 {
        unload(&mut loads, &mut jsq, 2, 1.0);
    }
    assert_eq!(pick(&mut jsq, &loads), 2);
    unload(&mut loads, &mut jsq, 0, 1.0);
    load(&mut loads, &mut jsq, 2, 1.0);
    load(&mut loads, &mut jsq, 2, 1.0);
    // Held [1, 2, 2].
    assert_eq!(pick(&mut jsq, &loads), 0);
}

#[test]
fn power_of_d_with_d_equal_n_is_jsq() {
    let mut loads = ConsumerLoads::new(5);
    let mut p = PowerOfD::new(5, 5, 3);
    for k in [0, 0, 1, 2, 2, 3, 4, 4] {
        load(&mut loads, &mut p, k, 1.0);
    }
    // Held [2, 1, 2, 1, 2]: JSQ's choices are 1 and 3, each about half the time.
    let picks: Vec<_> = (0..400).map(|_| pick(&mut p, &loads)).collect();
    assert!(picks.iter().all(|&k| k == 1 || k == 3));
    let ones = picks.iter().filter(|&&k| k == 1).count();
    assert!((150..250).contains(&ones), "{ones}");
}

/// Power-of-d over consumers holding 0, 1, 2, … messages picks consumer k when it is the
/// least loaded of a uniform sample of d without replacement: with probability
/// C(n − 1 − k, d − 1) / C(n, d). Checked at 99.9% (normal bands on 20,000 picks) for a
/// d sampled by rejection and one sampled by the permutation.
#[test]
fn power_of_d_samples_uniformly_without_replacement() {
    let choose = |n: usize, r: usize| -> f64 {
        if r > n {
            return 0.0;
        }
        (0..r).map(|i| (n - i) as f64 / (i + 1) as f64).product()
    };
    for (n, d) in [(5, 2), (6, 5), (12, 10)] {
        let mut loads = ConsumerLoads::new(n);
        let mut p = PowerOfD::new(n, d, 11);
        for k in 0..n {
            for _ in 0..k {
                load(&mut loads, &mut p, k, 1.0);
            }
        }
        let picks = 20_000;
        let mut counts = vec![0usize; n];
        for _ in 0..picks {
            counts[pick(&mut p, &loads)] += 1;
        }
        for (k, &count) in counts.iter().enumerate() {
            let want = choose(n - 1 - k, d - 1) / choose(n, d);
            let band = 3.29 * (want * (1.0 - want) / picks as f64).sqrt();
            let got = count as f64 / picks as f64;
            assert!(
                (got - want).abs() <= band,
                "n {n}, d {d}, consumer {k}: {got} against {want} ± {band}"
            );
        }
    }
}

#[test]
fn power_of_one_is_random() {
    let mut loads = ConsumerLoads::new(3);
    let mut p = PowerOfD::new(3, 1, 3);
    load(&mut loads, &mut p, 0, 1.0);
    let picks: Vec<_> = (0..300).map(|_| pick(&mut p, &loads)).collect();
    assert!((0..3).all(|k| picks.contains(&k)), "even the loaded one");
}

#[test]
fn power_of_two_avoids_the_most_loaded() {
    let mut loads = ConsumerLoads::new(2);
    let mut p = PowerOfD::new(2, 2, 9);
    load(&mut loads, &mut p, 0, 1.0);
    assert!((0..100).all(|_| pick(&mut p, &loads) == 1));
}

/// A fleet large enough for least-work to bring its heap up to date only when asked, with
/// nobody idle: the choice has the least work after a few changes (each applied to the
/// heap) and after many (the heap rebuilt), as a scan of the loads says.
#[test]
fn lazy_least_work_chooses_the_least_work_when_nobody_is_idle() {
    let n = 2 * LeastWork::LAZY;
    let mut loads = ConsumerLoads::new(n);
    let mut lw = LeastWork::new(n, 8);
    let mut x: u64 = 5;
    let mut size = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        0.5 + (x >> 40) as f64 / (1u64 << 24) as f64
    };
    for k in 0..n {
        load(&mut loads, &mut lw, k, size());
    }
    let least = |loads: &ConsumerLoads| (0..n).map(|k| loads.work(k)).fold(f64::INFINITY, f64::min);
    for changes in [1, 3, n / 2, n, 3 * n] {
        for i in 0..changes {
            load(&mut loads, &mut lw, (i * 7 + changes) % n, size());
        }
        assert!(lw.changed.len() <= n);
        let k = pick(&mut lw, &loads);
        assert_eq!(loads.work(k), least(&loads), "after {changes} changes");
        assert!(lw.changed.is_empty());
    }
}

#[test]
fn least_work_prefers_idle_then_least_work() {
    let mut loads = ConsumerLoads::new(3);
    let mut lw = LeastWork::new(3, 5);
    load(&mut loads, &mut lw, 0, 3.0);
    load(&mut loads, &mut lw, 1, 0.5);
    load(&mut loads, &mut lw, 1, 0.5);
    // Work [3, 1, 0]: the idle consumer 2.
    assert_eq!(pick(&mut lw, &loads), 2);
    load(&mut loads, &mut lw, 2, 2.0);
    // Work [3, 1, 2]: consumer 1 although it holds the most messages.
    assert_eq!(pick(&mut lw, &loads), 1);
    assert_eq!(loads.held(1), 2);
    unload(&mut loads, &mut lw, 0, 3.0);
    assert_eq!(pick(&mut lw, &loads), 0);
    assert_eq!(loads.work(0), 0.0);
}

#[test]
fn jiq_joins_an_idle_consumer_if_any() {
    let mut loads = ConsumerLoads::new(4);
    let mut jiq = Jiq::new(4, 11);
    load(&mut loads, &mut jiq, 0, 1.0);
    load(&mut loads, &mut jiq, 2, 1.0);
    let picks: Vec<_> = (0..200).map(|_| pick(&mut jiq, &loads)).collect();
    assert!(picks.iter().all(|&k| k == 1 || k == 3));
    assert!(picks.contains(&1) && picks.contains(&3));
    load(&mut loads, &mut jiq, 1, 1.0);
    load(&mut loads, &mut jiq, 3, 1.0);
    load(&mut loads, &mut jiq, 3, 1.0);
    let picks: Vec<_> = (0..400).map(|_| pick(&mut jiq, &loads)).collect();
    assert!((0..4).all(|k| picks.contains(&k)), "none idle: uniform");
}

#[test]
fn key_hash_is_sticky_spread_and_round_robin_without_key() {
    let mut kh = KeyHash::new(8, KeyHash::VIRTUAL_NODES);
    let loads = ConsumerLoads::new(8);
    let mut per_consumer = [0u32; 8];
    for key in 0..4000u64 {
        let m = Message {
            key: Some(key),
            ..Message::for_test(0, 0)
        };
        let Route::Consumer(k) = kh.route(&m, &loads) else {
            panic!("shared")
        };
        assert_eq!(Route::Consumer(k), kh.route(&m, &loads), "sticky");
        assert_eq!(k, kh.owner(key));
        per_consumer[k] += 1;
    }
    // 500 each on average; 128 virtual nodes keep every share within ±40 %.
    assert!(
        per_consumer.iter().all(|&c| (300..700).contains(&c)),
        "{per_consumer:?}"
    );
    let keyless: Vec<_> = (0..9).map(|_| pick(&mut kh, &loads)).collect();
    assert_eq!(keyless, vec![0, 1, 2, 3, 4, 5, 6, 7, 0]);
    // Same ring in another instance: the mapping does not depend on the run.
    let other = KeyHash::new(8, KeyHash::VIRTUAL_NODES);
    assert!((0..100).all(|key| other.owner(key) == kh.owner(key)));
}

#[test]
fn weighted_round_robin_follows_weights_smoothly() {
    let loads = ConsumerLoads::new(3);
    let mut wrr = WeightedRoundRobin::new(&[5.0, 1.0, 1.0]);
    let picks: Vec<_> = (0..700).map(|_| pick(&mut wrr, &loads)).collect();
    for (k, want) in [(0, 500), (1, 100), (2, 100)] {
        assert_eq!(picks.iter().filter(|&&p| p == k).count(), want);
    }
    assert_eq!(
        &picks[..7],
        &[0, 0, 0, 1, 2, 0, 0],
        "interleaved, not bunched"
    );
    let mut wrr = WeightedRoundRobin::new(&[1.5, 0.5]);
    let picks: Vec<_> = (0..400).map(|_| pick(&mut wrr, &loads)).collect();
    assert_eq!(picks.iter().filter(|&&p| p == 0).count(), 300);
}

#[test]
fn kinds_check_their_parameters() {
    assert!(DispatchKind::PowerOfD { d: 0 }.check(3).is_err());
    assert!(DispatchKind::PowerOfD { d: 4 }.check(3).is_err());
    assert!(DispatchKind::PowerOfD { d: 3 }.check(3).is_ok());
    let w = |weights: Vec<f64>| DispatchKind::WeightedRoundRobin { weights };
    assert!(w(vec![1.0, 2.0]).check(3).is_err());
    assert!(w(vec![1.0, 0.0, 2.0]).check(3).is_err());
    assert!(w(vec![1.0, f64::NAN, 2.0]).check(3).is_err());
    assert!(w(vec![1.0, 0.5, 2.0]).check(3).is_ok());
}

#[test]
fn indexed_choices_scale_to_ten_thousand_consumers() {
    // A million load changes and choices over 10,000 consumers: fast only if O(1)/O(log n).
    let n = 10_000;
    let mut loads = ConsumerLoads::new(n);
    let mut jsq = Jsq::new(n, 1);
    let mut lw = LeastWork::new(n, 1);
    let mut held = Vec::new();
    for i in 0..200_000 {
        let k = pick(&mut jsq, &loads);
        let size = 1.0 + (i % 7) as f64;
        loads.add(k, size);
        jsq.on_load_change(k, &loads);
        lw.on_load_change(k, &loads);
        held.push((k, size));
        if i % 3 != 0 {
            let (k, size) = held.swap_remove(i % held.len());
            loads.remove(k, size);
            jsq.on_load_change(k, &loads);
            lw.on_load_change(k, &loads);
        }
        pick(&mut lw, &loads);
    }
    let min = (0..n).map(|k| loads.held(k)).min().unwrap();
    assert_eq!(loads.held(pick(&mut jsq, &loads)), min);
    let min_work = (0..n).map(|k| loads.work(k)).fold(f64::INFINITY, f64::min);
    assert_eq!(loads.work(pick(&mut lw, &loads)), min_work);
}
